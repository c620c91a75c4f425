"""Django's test client speaking JSON to /api/v1 with one user's bearer token, in English."""

import json

from klientura.accounts.services import api_token_create


class ApiClient:
    def __init__(self, client, user):
        _token, self.key = api_token_create(actor=user, name="tests")
        self.client = client
        self.user = user
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, data=params or {}, **self.headers)

    def send(self, method, path, body=None):
        send = getattr(self.client, method)
        return send(
            "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json", **self.headers
        )

    def post(self, path, body=None):
        return self.send("post", path, body)

    def put(self, path, body=None):
        return self.send("put", path, body)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:800]
    error = response.json()["error"]
    assert error["code"] == code
    return error
