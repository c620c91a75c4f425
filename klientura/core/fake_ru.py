"""Realistic, deterministic Russian business data for the demo and the benchmarks.

Pure Python: no Django models, no I/O. Every generator takes a ``random.Random`` and does O(1) work,
so the same seed always yields the same data and a million clients cost seconds, not minutes.
Identifiers (INN, KPP, OGRN…) are not made here: ``klientura.parties.identifiers`` owns them.

The e-mail domains look real (``info@severnaya-zvezda.ru``) and some of them may exist: demo and
benchmark data must never be mailed through a real SMTP server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import NamedTuple

__all__ = [
    "DEMO_USER_DOMAIN", "REGIONS", "FakeAddress", "FakeCompany", "FakePerson", "Region", "agree",
    "fake_address", "fake_company", "fake_landline", "fake_mobile", "fake_person", "fake_user",
    "female_last_name", "patronymics", "slugify_ru", "transliterate",
]  # fmt: skip

MALE, FEMALE = "male", "female"
DEMO_USER_DOMAIN = "example.com"  # RFC 2606: reserved, never delivered


class Region(NamedTuple):
    name: str
    timezone: str  # IANA
    city: str
    area_code: str  # without the trunk prefix; 3 or 4 digits


REGIONS: tuple[Region, ...] = (
    Region("Москва", "Europe/Moscow", "Москва", "495"),
    Region("Санкт-Петербург", "Europe/Moscow", "Санкт-Петербург", "812"),
    Region("Нижегородская область", "Europe/Moscow", "Нижний Новгород", "831"),
    Region("Краснодарский край", "Europe/Moscow", "Краснодар", "861"),
    Region("Ростовская область", "Europe/Moscow", "Ростов-на-Дону", "863"),
    Region("Республика Татарстан", "Europe/Moscow", "Казань", "843"),
    Region("Калининградская область", "Europe/Kaliningrad", "Калининград", "4012"),
    Region("Самарская область", "Europe/Samara", "Самара", "846"),
    Region("Свердловская область", "Asia/Yekaterinburg", "Екатеринбург", "343"),
    Region("Челябинская область", "Asia/Yekaterinburg", "Челябинск", "351"),
    Region("Омская область", "Asia/Omsk", "Омск", "3812"),
    Region("Новосибирская область", "Asia/Novosibirsk", "Новосибирск", "383"),
    Region("Красноярский край", "Asia/Krasnoyarsk", "Красноярск", "391"),
    Region("Иркутская область", "Asia/Irkutsk", "Иркутск", "3952"),
    Region("Хабаровский край", "Asia/Vladivostok", "Хабаровск", "4212"),
    Region("Приморский край", "Asia/Vladivostok", "Владивосток", "423"),
    Region("Камчатский край", "Asia/Kamchatka", "Петропавловск-Камчатский", "4152"),
)
# Business is not spread evenly: the capitals get most of the clients.
_REGION_WEIGHTS = (30, 12, 5, 5, 4, 5, 3, 4, 6, 4, 3, 5, 3, 3, 3, 3, 2)
_WEIGHTED_REGIONS = tuple(r for r, w in zip(REGIONS, _REGION_WEIGHTS, strict=True) for _ in range(w))
_POSTAL_PREFIX = {
    "Москва": "1", "Санкт-Петербург": "19", "Нижний Новгород": "603", "Краснодар": "350",
    "Ростов-на-Дону": "344", "Казань": "420", "Калининград": "236", "Самара": "443",
    "Екатеринбург": "620", "Челябинск": "454", "Омск": "644", "Новосибирск": "630", "Красноярск": "660",
    "Иркутск": "664", "Хабаровск": "680", "Владивосток": "690", "Петропавловск-Камчатский": "683",
}  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- transliteration ------------------------------------------------------------------------------
# Russian passports' ICAO 9303 table, except й/ю/я/ъ, which follow the everyday y/yu/ya/— usage seen
# in Russian domain names ("severnaya-zvezda.ru").
_LOWER = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_TRANSLIT = str.maketrans(
    {**_LOWER, **{k.upper(): v.capitalize() for k, v in _LOWER.items()}, "«": '"', "»": '"', "№": "N"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def transliterate(text: str) -> str:
    """Russian → Latin, keeping case and everything that is not Cyrillic ("Ёлка 2" → "Elka 2")."""
    return text.translate(_TRANSLIT)


def slugify_ru(text: str, sep: str = "-", max_length: int = 50) -> str:
    """Lower-case ASCII slug for domains and e-mail local parts ("Северная Звезда" → "severnaya-zvezda")."""
    slug = _NOT_SLUG.sub(sep, transliterate(text).lower()).strip(sep)
    return slug[:max_length].rstrip(sep)


# --- grammar --------------------------------------------------------------------------------------
def agree(adjective: str, gender: str) -> str:
    """Put a masculine adjective ("Северный", "Синий", "Русский", "Золотой") into gender "m", "f" or "n"."""
    if gender == "m":
        return adjective
    stem, ending = adjective[:-2], adjective[-2:]
    if ending in ("ый", "ой"):
        return stem + ("ая" if gender == "f" else "ое")
    if stem[-1] in "кгх":
        return stem + ("ая" if gender == "f" else "ое")
    if stem[-1] in "жшчщ":
        return stem + ("ая" if gender == "f" else "ее")
    return stem + ("яя" if gender == "f" else "ее")


_INVARIANT_SURNAME_ENDINGS = ("ых", "их", "ко", "аго", "яго")


def female_last_name(male: str) -> str:
    """Иванов → Иванова, Высоцкий → Высоцкая, Толстой → Толстая; Черных, Шевченко stay as they are."""
    if male.endswith(_INVARIANT_SURNAME_ENDINGS):
        return male
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    if male.endswith(("ий", "ой")):
        return male[:-2] + "ая"
    return male


_PATRONYMIC_EXCEPTIONS = {
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Кузьма": ("Кузьмич", "Кузьминична"),
    "Лев": ("Львович", "Львовна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Яков": ("Яковлевич", "Яковлевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
}


def patronymics(father: str) -> tuple[str, str]:
    """The son's and the daughter's patronymic from the father's first name."""
    if father in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father]
    if father.endswith("ий"):
        stem = father[:-2] + "ье"
    elif father.endswith(("й", "ь")):
        stem = father[:-1] + "е"
    else:
        stem = father + "о"
    return stem + "вич", stem + "вна"


# --- people ---------------------------------------------------------------------------------------
_MALE_LAST_NAMES = _words("""
    Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
    Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
    Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов
    Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов
    Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов
    Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов
    Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков
    Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов
    Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев
    Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов
    Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин
    Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин
    Митрофанов Воронов Аксёнов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков
    Сафонов Плотников Дёмин Хохлов Жданов Шевченко Бондаренко Ткаченко Коваленко Кравченко Черных Седых
    Белых Долгих Высоцкий Вишневский Островский Покровский Успенский Соколовский Луговской Толстой
    Каменский Боровой Садовский Полевой Закиров Сафин Гарипов Хабибуллин Валиев Шарипов Афонин Бахтин
    Блинов Бобров Булатов Быстров Ванин Веселов Виноков Воронцов Гладков Голованов Горелов Гуляев
    Дорофеев Дроздов Дьяконов Евдокимов Ершов Жилин Забелин Зиновьев Зубов Иванцов Игнатьев Кабанов
    Калашников Карасёв Кочетков Крюков Кулагин Лаптев Ларионов Лосев Лыков Мамаев Медников Мухин
    Никулин Носов Образцов Овсянников Окунев Павленко Пахомов Пестов Пименов Пугачёв Рогов Рожков
    Рябов Савченко Самойлов Селезнёв Сизов Силин Ситников Смолин Субботин Суханов Сычёв Тетерин Третьяков
    Тюрин Уваров Устинов Фадеев Фокин Хромов Цыганков Чеботарёв Чистяков Шаров Шилов Шубин Щукин
    Юдаев Яшин Вяземский Заречный Раевский Оболенский Гордеев Зотов Кольцов Озеров Шестаков""")
_MALE_FIRST_NAMES = _words("""
    Александр Алексей Андрей Антон Артём Борис Вадим Валентин Валерий Василий Виктор Виталий
    Владимир Владислав Вячеслав Геннадий Георгий Глеб Григорий Даниил Денис Дмитрий Евгений Егор Иван
    Игорь Илья Кирилл Константин Леонид Максим Матвей Михаил Никита Николай Олег Павел Пётр Роман
    Руслан Сергей Станислав Степан Тимофей Тимур Фёдор Юрий Ярослав Аркадий Анатолий Эдуард Лев Семён
    Яков Богдан Марк Филипп Арсений Всеволод""")
_FEMALE_FIRST_NAMES = _words("""
    Анна Мария Елена Ольга Наталья Татьяна Ирина Екатерина Светлана Юлия Анастасия Марина Людмила
    Галина Надежда Валентина Евгения Оксана Алёна Виктория Дарья Ксения Полина Алина Вера Любовь
    Лариса Нина Жанна Алла Кристина Маргарита Софья Елизавета Александра Вероника Диана Тамара Инна
    Яна Олеся Зоя Лилия Эльвира Регина Ангелина Василиса""")
_LAST_NAMES = tuple((m, female_last_name(m)) for m in _MALE_LAST_NAMES)
_PATRONYMICS = tuple(patronymics(f) for f in _MALE_FIRST_NAMES)
_POSITIONS = (
    *("Генеральный директор",) * 6,
    *("Главный бухгалтер",) * 4,
    *("Менеджер по закупкам",) * 5,
    *("Начальник отдела снабжения",) * 2,
    *(
        p.replace("_", " ")
        for p in _words("""
        Директор Коммерческий_директор Финансовый_директор Технический_директор Исполнительный_директор
        Заместитель_генерального_директора Бухгалтер Экономист Юрист Менеджер_по_продажам
        Руководитель_отдела_продаж Специалист_по_закупкам Офис-менеджер Секретарь Помощник_руководителя
        Главный_инженер Инженер Начальник_производства Заведующий_складом Логист Маркетолог ИТ-директор
        Системный_администратор Менеджер_по_работе_с_клиентами Руководитель_проекта""")
    ),
)
_FREE_MAIL = ("mail.ru",) * 4 + ("yandex.ru",) * 4 + ("gmail.com",) * 2 + ("bk.ru", "inbox.ru", "list.ru")
# Valid (phonenumbers) mobile codes of Russian operators; 930 has holes in its ranges, 940 is Abkhazia.
_MOBILE_CODES = tuple(str(c) for c in range(912, 1000) if c not in (930, 940))
# Reference ages in days: strictly inside [22, 66) years whatever the leap years.
_MIN_AGE_DAYS, _MAX_AGE_DAYS = 8037, 24104


@dataclass(slots=True)
class FakePerson:
    gender: str  # "male" | "female"
    last_name: str
    first_name: str
    middle_name: str
    position: str
    birthday: date
    phone: str  # "+7 9XX XXX-XX-XX"
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name[0]}. {self.middle_name[0]}."


def fake_mobile(rng: Random) -> str:
    """A Russian mobile number, "+7 916 123-45-67"."""
    n = rng.randrange(10_000_000)
    return f"+7 {rng.choice(_MOBILE_CODES)} {n // 10_000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"


def _person_email(rng: Random, last: str, first: str, domain: str) -> str:
    surname, initial = slugify_ru(last, "", 30), slugify_ru(first[0], "")
    style = rng.random()
    if style < 0.7:
        local = f"{surname}.{initial}"
    elif style < 0.85:
        local = f"{initial}.{surname}"
    else:
        local = f"{slugify_ru(first, '')}.{surname}"
    return f"{local}@{domain}"


def fake_person(
    rng: Random, domain: str | None = None, *, today: date | None = None, position: str | None = None
) -> FakePerson:
    """A contact person; ``domain`` is the employer's mail domain (a free mail service when None).

    Ages are 22–65 years on ``today`` (default: the real today, so the demo never ages).
    """
    last_m, last_f = rng.choice(_LAST_NAMES)
    patronymic_m, patronymic_f = rng.choice(_PATRONYMICS)
    if rng.random() < 0.5:
        gender, last, first, middle = MALE, last_m, rng.choice(_MALE_FIRST_NAMES), patronymic_m
    else:
        gender, last, first, middle = FEMALE, last_f, rng.choice(_FEMALE_FIRST_NAMES), patronymic_f
    age_days = rng.randint(_MIN_AGE_DAYS, _MAX_AGE_DAYS)
    return FakePerson(
        gender=gender,
        last_name=last,
        first_name=first,
        middle_name=middle,
        position=position or rng.choice(_POSITIONS),
        birthday=(today or date.today()) - timedelta(days=age_days),
        phone=fake_mobile(rng),
        email=_person_email(rng, last, first, domain or rng.choice(_FREE_MAIL)),
    )


def fake_user(rng: Random, index: int) -> tuple[str, str, str, str]:
    """(username, first_name, last_name, email) of demo user number ``index``; unique per index."""
    person = fake_person(rng, DEMO_USER_DOMAIN, today=date(2000, 1, 1))
    username = f"{slugify_ru(person.last_name, '', 30)}.{slugify_ru(person.first_name[0], '')}{index}"
    return username, person.first_name, person.last_name, f"{username}@{DEMO_USER_DOMAIN}"


# --- addresses and landlines ----------------------------------------------------------------------
_STREETS = (
    *(
        "ул. " + s
        for s in _words("""
        Ленина Мира Советская Молодёжная Центральная Школьная Садовая Лесная Гагарина Пушкина Кирова
        Октябрьская Комсомольская Первомайская Заречная Новая Полевая Набережная Строителей Победы Чехова
        Горького Калинина Дзержинского Фрунзе Куйбышева Чапаева Лермонтова Мичурина Пролетарская Островского
        Рабочая Северная Южная Вокзальная Энергетиков Космонавтов Маяковского Некрасова Гоголя Суворова
        Жукова Заводская Промышленная Мостовая Луговая Вишнёвая""")
    ),
    "ул. Карла Маркса", "ул. Льва Толстого", "ул. 8 Марта", "ул. 50 лет Октября", "пр-т Ленина",
    "пр-т Мира", "пр-т Победы", "пр-т Строителей", "пр-т Космонавтов", "ш. Энтузиастов",
    "Московское ш.", "пер. Почтовый", "пер. Школьный", "б-р Победы", "наб. Ленина",
)  # fmt: skip


@dataclass(slots=True)
class FakeAddress:
    postal_code: str
    region: str
    city: str
    street: str
    house: str  # "д. 12", "д. 7А, корп. 2"
    premises: str  # "офис 305", "пом. 4", "кв. 45"

    @property
    def text(self) -> str:
        place = f"г. {self.city}" if self.region == self.city else f"{self.region}, г. {self.city}"
        return f"{self.postal_code}, {place}, {self.street}, {self.house}, {self.premises}"


def fake_address(rng: Random, region: Region, *, residential: bool = False) -> FakeAddress:
    prefix = _POSTAL_PREFIX[region.city]
    postal_code = prefix + str(rng.randrange(10 ** (6 - len(prefix)))).zfill(6 - len(prefix))
    house = f"д. {rng.randint(1, 150)}"
    extra = rng.random()
    if extra < 0.1:
        house += "А"
    elif extra < 0.25:
        house += f", корп. {rng.randint(1, 5)}"
    elif extra < 0.35:
        house += f", стр. {rng.randint(1, 9)}"
    if residential:
        premises = f"кв. {rng.randint(1, 250)}"
    elif rng.random() < 0.8:
        premises = f"офис {rng.randint(1, 12)}{rng.randint(1, 40):02d}"
    else:
        premises = f"пом. {rng.randint(1, 30)}"
    return FakeAddress(postal_code, region.name, region.city, rng.choice(_STREETS), house, premises)


def fake_landline(rng: Random, region: Region) -> str:
    """A number in the region's area code: "+7 (495) 123-45-67", "+7 (4012) 12-34-56"."""
    code = region.area_code
    local_len = 10 - len(code)
    n = rng.randrange(2 * 10 ** (local_len - 1), 10**local_len)  # local numbers never start with 0 or 1
    head = n // 10_000
    return f"+7 ({code}) {head:0{local_len - 4}d}-{n // 100 % 100:02d}-{n % 100:02d}"


# --- company names --------------------------------------------------------------------------------
# (industry, its adjective for "<Уральская> <строительная> компания", its roots for "Стройинвест")
_INDUSTRIES = (
    ("Строительство", "Строительный", ("Строй", "Монтаж")),
    ("Оптовая торговля", "Торговый", ("Торг", "Опт")),
    ("Розничная торговля", "Торговый", ("Маркет", "Торг")),
    ("Логистика", "Транспортный", ("Транс", "Логистик")),
    ("Логистика", "Логистический", ("Транс", "Карго")),
    ("Производство", "Промышленный", ("Пром",)),
    ("Производство", "Производственный", ("Пром", "Техпром")),
    ("Информационные технологии", "Технологический", ("Техно", "Софт", "Инфо")),
    ("Энергетика", "Энергетический", ("Энерго", "Электро")),
    ("Сельское хозяйство", "Агропромышленный", ("Агро", "Зерно")),
    ("Металлургия", "Металлургический", ("Металл", "Сталь")),
    ("Медицина", "Медицинский", ("Мед", "Фарм")),
    ("Пищевая промышленность", "Продовольственный", ("Прод", "Продукт")),
    ("Финансы", "Инвестиционный", ("Инвест", "Фин")),
    ("Консалтинг", "Консалтинговый", ("Консалт", "Эксперт")),
    ("Мебель", "Мебельный", ("Мебель", "Интерьер")),
    ("Химическая промышленность", "Химический", ("Хим", "Полимер")),
    ("Нефть и газ", "Нефтегазовый", ("Нефте", "Газ")),
    ("Машиностроение", "Машиностроительный", ("Маш", "Техмаш")),
    ("Электротехника", "Электротехнический", ("Электро", "Кабель")),
    ("Упаковка", "Упаковочный", ("Пак", "Тара")),
    ("Лесная промышленность", "Лесопромышленный", ("Лес", "Древ")),
    ("Автомобили", "Автомобильный", ("Авто", "Мотор")),
    ("Инжиниринг", "Инженерный", ("Инжиниринг", "Проект")),
    ("Телекоммуникации", "Телекоммуникационный", ("Телеком", "Связь")),
)
_ROOT_INDUSTRY = tuple((root, ind) for ind, _adj, roots in _INDUSTRIES for root in roots)
_ROOT_ENDINGS = _words("""
    инвест сервис снаб комплект торг пром техника монтаж ресурс альянс лайн профи стандарт маркет
    гарант опт тех проект консалт мастер систем строй центр снабжение лидер регион холдинг""")
_GEO_ROOTS = ("",) * 8 + _words("Урал Сиб Волга Дон Кубань Балт Даль Мос Сев Юг Рос Евро Интер Мега")
_ADJECTIVES = _words("""
    Северный Южный Восточный Западный Центральный Новый Первый Золотой Серебряный Красный Белый Синий
    Зелёный Янтарный Изумрудный Стальной Гранитный Кедровый Дубовый Лесной Морской Речной Степной Горный
    Полярный Солнечный Звёздный Ясный Тихий Добрый Быстрый Верный Надёжный Честный Светлый Великий
    Большой Русский Уральский Сибирский Волжский Невский Балтийский Донской Кубанский Таёжный Вечерний
    Летний Весенний Единый Деловой Главный Прочный Крепкий Мудрый Свежий Алый Лазурный Хрустальный
    Платиновый Медный Бронзовый Радужный Жаркий Дальний Вольный Старый Млечный Ранний""")
_FEMININE_NOUNS = _words("""
    Звезда Волна Линия Гавань Долина Высота Вершина Заря Река Нива Пристань Роща Гора Стрела Корона
    Палитра Мозаика Артель Слобода Мануфактура Фактория Марка Орбита Сфера Энергия Основа Опора Грань
    Стихия Радуга Верфь Ладья Пальмира Держава Сота""")
_MASCULINE_NOUNS = _words("""
    Ветер Мост Берег Край Путь Век Город Маяк Парус Якорь Остров Альянс Союз Дом Двор Сад Бор Кедр Дуб
    Ключ Исток Родник Рубеж Горизонт Меридиан Вектор Полюс Континент Ресурс Стандарт Капитал Партнёр
    Контур Ритм Бриз Посад Град Терем Луч Причал Фарватер Форпост Склад""")
_NEUTER_NOUNS = _words("""
    Сияние Поле Море Озеро Солнце Небо Дело Начало Созвездие Побережье Приволье Раздолье Содружество
    Слово Качество Наследие Подворье Поморье Ремесло Решение Время Крыло Течение""")
_NOUNS = (
    *((w, "f") for w in _FEMININE_NOUNS),
    *((w, "m") for w in _MASCULINE_NOUNS),
    *((w, "n") for w in _NEUTER_NOUNS),
)
_GEO_ADJECTIVES = _words("""
    Северный Южный Восточный Западный Центральный Уральский Сибирский Волжский Невский Балтийский
    Донской Кубанский Дальневосточный Приморский Московский Петербургский Камский Окский Байкальский
    Амурский Енисейский Алтайский Северо-Западный Региональный Межрегиональный Национальный Первый
    Объединённый Российский Евразийский""")
_ORG_NOUNS = (("компания", "f"),) * 3 + (("группа", "f"),) * 2 + (
    ("корпорация", "f"), ("альянс", "m"), ("холдинг", "m"), ("союз", "m"), ("центр", "m"),
    ("объединение", "n"), ("агентство", "n"), ("партнёрство", "n"),
)  # fmt: skip
_BRANDS = _words("""
    Альфа Бета Вектор Гермес Орион Атлант Меркурий Титан Сигма Омега Прогресс Импульс Спектр Альтаир
    Эталон Фаворит Лидер Гарант Стимул Квант Аврора Ника Феникс Зенит Арсенал Легион Авангард Монолит
    Магистраль Ориентир Престиж Кристалл Сапфир Рубин Олимп Пегас Вега Гелиос Норд Астра Сатурн Юпитер
    Нептун Марс Полис Гамма Дельта Кварц Аргон Неон Атлас Фортуна Виктория Гранд Оптима Максима Прайм
    Ирбис Барс Сокол Беркут Кондор Грифон Меридиан Азимут Вертикаль Горизонт Базис Фундамент
    Каскад Потенциал Стратегия Формула Интеграл Профиль Модуль Контакт Диалог Гарантия""")
# "-" joins with a hyphen, "_" stands for a space.
_SUFFIXES = tuple(
    s.replace("_", " ")
    for s in _words("""
    -Трейд _Плюс _Групп -Сервис -М -Центр -Инвест _Про -Юг -Урал -Сибирь -Волга -Регион -Опт -Тех
    _Лайн -Снаб -Строй -Маркет -Логистик _Холдинг -Восток -Запад -Север -Дон -Кубань -Нева -Байкал
    -Алтай -Экспресс -Профи -Систем -Комплект -Ресурс -Стандарт -Эксперт -Партнёр _и_К""")
)
_PREFIXES = _words("ТД ГК ПК ТК СК НПО ПКФ ТПК ПО НПП ИК ТМ")
_LEGAL_FORMS = ("ООО",) * 75 + ("АО",) * 7 + ("ПАО",) * 3 + ("ИП",) * 15
_FULL_FORMS = {
    "ООО": "Общество с ограниченной ответственностью",
    "АО": "Акционерное общество",
    "ПАО": "Публичное акционерное общество",
}
_TLDS = ("ru",) * 14 + ("com", "su", "net", "pro", "org", "biz")
_MAILBOXES = ("info",) * 5 + ("office",) * 2 + ("mail", "sales", "zakaz", "secretary", "buh")


def _number(rng: Random) -> str:
    r = rng.random()
    if r < 0.4:
        return f"-{rng.randint(1, 9)}"
    if r < 0.75:
        return f" {rng.randint(10, 99)}"
    return f"-{rng.randint(1991, 2024)}"


def _modified(rng: Random, core: str, *, bare_ok: bool) -> str:
    """Add the prefixes, suffixes and numbers that tell apart the many "Векторов" in the registry."""
    if rng.random() < 0.2:
        core = f"{rng.choice(_PREFIXES)} {core}"
    r = rng.random()
    if r < 0.45:
        return core + rng.choice(_SUFFIXES)
    if r < 0.65:
        return core + _number(rng)
    if r < 0.9 or not bare_ok:
        return core + rng.choice(_SUFFIXES) + _number(rng)
    return core


def _company_name(rng: Random) -> tuple[str, str]:
    """(name, industry) — four patterns, so names vary in shape as well as in words."""
    pattern = rng.random()
    if pattern < 0.5:  # "Северная Звезда"
        noun, gender = rng.choice(_NOUNS)
        name = f"{agree(rng.choice(_ADJECTIVES), gender)} {noun}"
        return _modified(rng, name, bare_ok=True), rng.choice(_INDUSTRIES)[0]
    if pattern < 0.55:  # "Уральская строительная компания": few, and the real registry repeats them too
        industry, activity, _roots = rng.choice(_INDUSTRIES)
        noun, gender = rng.choice(_ORG_NOUNS)
        geo = agree(rng.choice(_GEO_ADJECTIVES), gender)
        return f"{geo} {agree(activity, gender).lower()} {noun}", industry
    root, industry = rng.choice(_ROOT_INDUSTRY)
    if pattern < 0.8:  # "Сибстройинвест"
        ending = rng.choice(_ROOT_ENDINGS)
        geo = rng.choice(_GEO_ROOTS)
        if ending == root.lower():  # no "Торгторг"
            ending = "сервис"
        word = (geo + root.lower() if geo else root) + ending
        return _modified(rng, word, bare_ok=bool(geo)), industry
    if pattern < 0.9:  # "Альфа-Строй"
        return _modified(rng, f"{rng.choice(_BRANDS)}-{root}", bare_ok=True), industry
    return _modified(rng, rng.choice(_BRANDS), bare_ok=False), industry  # "Вектор-Трейд"


@dataclass(slots=True)
class FakeCompany:
    legal_form: str  # "ООО" | "АО" | "ПАО" | "ИП"
    name: str  # the brand without legal form: "Северная Звезда", "Петров Алексей Сергеевич"
    short_name: str  # 'ООО "Северная Звезда"', "ИП Петров А. С."
    full_name: str  # 'Общество с ограниченной ответственностью "Северная Звезда"'
    industry: str
    region: Region
    address: FakeAddress  # legal address; an entrepreneur's is his home
    phone: str  # "+7 (495) 123-45-67"
    email: str
    website: str  # "https://severnaya-zvezda.ru" or ""
    domain: str  # mail domain of its people: "severnaya-zvezda.ru", a free mail service for most ИП
    owner: FakePerson | None  # the entrepreneur himself for an ИП


def fake_company(rng: Random, *, today: date | None = None) -> FakeCompany:
    """A client company or entrepreneur without identifiers (INN etc. are added by the caller)."""
    legal_form = rng.choice(_LEGAL_FORMS)
    region = rng.choice(_WEIGHTED_REGIONS)
    if legal_form == "ИП":
        return _fake_entrepreneur(rng, region, today)
    name, industry = _company_name(rng)
    domain = f"{slugify_ru(name)}.{rng.choice(_TLDS)}"
    return FakeCompany(
        legal_form=legal_form,
        name=name,
        short_name=f'{legal_form} "{name}"',
        full_name=f'{_FULL_FORMS[legal_form]} "{name}"',
        industry=industry,
        region=region,
        address=fake_address(rng, region),
        phone=fake_landline(rng, region),
        email=f"{rng.choice(_MAILBOXES)}@{domain}",
        website=f"https://{domain}" if rng.random() < 0.85 else "",
        domain=domain,
        owner=None,
    )


def _fake_entrepreneur(rng: Random, region: Region, today: date | None) -> FakeCompany:
    owner = fake_person(rng, today=today, position="Индивидуальный предприниматель")
    own_site = rng.random() < 0.2
    if own_site:
        domain = f"{slugify_ru(owner.last_name)}-{slugify_ru(owner.first_name[0])}.{rng.choice(_TLDS)}"
        owner.email = f"{rng.choice(_MAILBOXES)}@{domain}"
    else:
        domain = owner.email.rpartition("@")[2]
    return FakeCompany(
        legal_form="ИП",
        name=owner.full_name,
        short_name=f"ИП {owner.short_name}",
        full_name=f"Индивидуальный предприниматель {owner.full_name}",
        industry=rng.choice(_INDUSTRIES)[0],
        region=region,
        address=fake_address(rng, region, residential=True),
        phone=owner.phone if rng.random() < 0.7 else fake_landline(rng, region),
        email=owner.email,
        website=f"https://{domain}" if own_site else "",
        domain=domain,
        owner=owner,
    )
