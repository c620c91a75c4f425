"""Product photos: only real pictures of at most 5 MB are kept, under a name the server chooses, and
they are sent back through a view that checks the reader's rights."""

import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from klientura.catalog import services
from klientura.catalog.models import Product
from klientura.catalog.photos import MAX_PHOTO_BYTES
from klientura.catalog.tests.conftest import image_bytes
from klientura.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def data(**overrides) -> dict:
    return {"name": "Лампа", "sku": "L-1", "cost_price": Decimal("10"), **overrides}


@pytest.mark.parametrize(
    ("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_a_real_picture_is_kept_under_the_extension_of_its_format(admin, media, fmt, extension):
    # The name lies about the type; the stored name follows what the file really is.
    product = services.product_create(actor=admin, data=data(), photo=upload("photo.bmp", image_bytes(fmt)))

    product.refresh_from_db()
    assert product.photo.name.startswith("products/")
    assert product.photo.name.endswith(f".{extension}")
    assert "photo" not in os.path.basename(product.photo.name)
    assert os.path.exists(product.photo.path)


@pytest.mark.parametrize(
    "content",
    [b"Just some text, not a picture at all.", SVG, b"%PDF-1.4\n%...", image_bytes("PNG")[:40]],
    ids=["text", "svg", "pdf", "truncated-png"],
)
def test_something_that_is_not_a_picture_is_refused(admin, media, content):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=admin, data=data(), photo=upload("photo.jpg", content))

    assert "photo" in exc.value.fields
    assert not Product.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_picture_in_another_format_is_refused(admin, media):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=admin, data=data(), photo=upload("photo.bmp", image_bytes("BMP")))

    assert "photo" in exc.value.fields
    assert not Product.objects.exists()


def test_a_photo_over_5_mb_is_refused(admin, media):
    too_big = image_bytes("PNG") + b"\0" * (MAX_PHOTO_BYTES + 1)

    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=admin, data=data(), photo=upload("big.png", too_big))

    assert "5" in exc.value.fields["photo"][0]
    assert not Product.objects.exists()


def test_a_refused_photo_on_update_keeps_the_product_as_it_was(admin, media):
    product = services.product_create(actor=admin, data=data(), photo=upload("a.png", image_bytes("PNG")))
    old_name = product.photo.name

    with pytest.raises(ValidationFailed):
        services.product_update(
            actor=admin,
            product_id=product.pk,
            data={"name": "Другое"},
            photo=upload("b.jpg", b"not an image"),
        )

    product.refresh_from_db()
    assert (product.name, product.photo.name) == ("Лампа", old_name)


def test_replacing_a_photo_removes_the_old_file_once_committed(
    admin, media, django_capture_on_commit_callbacks
):
    product = services.product_create(actor=admin, data=data(), photo=upload("a.png", image_bytes("PNG")))
    old_path = product.photo.path

    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(
            actor=admin, product_id=product.pk, data={}, photo=upload("b.jpg", image_bytes("JPEG"))
        )

    product.refresh_from_db()
    assert product.photo.name.endswith(".jpg")
    assert os.path.exists(product.photo.path)
    assert not os.path.exists(old_path)


def test_a_photo_can_be_removed(admin, media, django_capture_on_commit_callbacks):
    product = services.product_create(actor=admin, data=data(), photo=upload("a.png", image_bytes("PNG")))
    path = product.photo.path

    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(actor=admin, product_id=product.pk, data={}, remove_photo=True)

    product.refresh_from_db()
    assert not product.photo
    assert not os.path.exists(path)


def test_the_photo_view_streams_the_picture_with_its_type(client, admin, manager, media):
    product = services.product_create(actor=admin, data=data(), photo=upload("a.png", image_bytes("PNG")))
    client.force_login(manager)

    response = client.get(reverse("catalog:product_photo", args=[product.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == image_bytes("PNG")


def test_the_photo_view_refuses_strangers_and_missing_photos(client, admin, departments, media):
    with_photo = services.product_create(actor=admin, data=data(), photo=upload("a.png", image_bytes("PNG")))
    without = services.product_create(actor=admin, data=data(sku="L-2"))
    url = reverse("catalog:product_photo", args=[with_photo.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(departments.nobody)
    assert client.get(url).status_code == 403
    client.force_login(departments.north_a)
    assert client.get(reverse("catalog:product_photo", args=[without.pk])).status_code == 404
    assert client.get(reverse("catalog:product_photo", args=[10**9])).status_code == 404
