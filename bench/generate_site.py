"""Write a synthetic Hugo Academic / Wowchemy site with N talk pages; the same seed gives the same bytes.

    python bench/generate_site.py N OUT_DIR [--seed 1]

OUT_DIR gets two Hugo configs, minimal layouts and content/talk/<slug>/index.md for N talks:

- ``hugo.toml``: the site config talkfeed reads; for Hugo it builds the talk section's RSS feed and
  nothing else (see bench/README.md for why each setting is there).
- ``hugo.full.toml``: the same site as a full Hugo build (every page, lists, taxonomies, sitemap),
  for reference: ``hugo --config hugo.full.toml``.

About 80% of the pages use Wowchemy 5 YAML front matter and 20% Academic v4 TOML front matter; every
page is published (no drafts, publish dates in the past), so both Hugo and talkfeed publish all N.
A file ``.talkfeed-bench.json`` records N, the seed and the generator version, so bench/run.py can
reuse a site, and this script only ever replaces a content folder that it wrote itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

GENERATOR_VERSION = 1
MARKER = ".talkfeed-bench.json"
BASE_URL = "https://bench.talkfeed.example/"


def _split(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


_SITE = f"""\
baseURL = "{BASE_URL}"
title = "Bench Lab — Synthetic Talks"
languageCode = "en-us"
timeZone = "Europe/Amsterdam"
"""

# Hugo builds content/talk/index.xml and nothing else: no home, taxonomy, term, sitemap, robots or
# 404 files, no HTML for the section, and the talk pages are listed (so the feed has every one)
# but never rendered to files of their own. rssLimit = -1 puts every talk in the feed.
HUGO_RSS_ONLY = (
    _SITE
    + """\
disableKinds = ["home", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
rssLimit = -1

[outputs]
  section = ["RSS"]

[[cascade]]
  [cascade._build]
    render = "link"
    list = "always"
  [cascade._target]
    kind = "page"

[params]
  author = "Bench Lab"
"""
)

HUGO_FULL = (
    _SITE
    + """\
rssLimit = -1
paginate = 10

[taxonomies]
  tag = "tags"
  category = "categories"
  author = "authors"

[params]
  author = "Bench Lab"
"""
)

_LAYOUTS = {
    "layouts/shortcodes/callout.html": (
        '<div class="callout callout-{{ .Get 0 | default "note" }}">{{ .Inner }}</div>\n'
    ),
    "layouts/shortcodes/alert.html": (
        '<div class="alert alert-{{ .Get 0 | default "note" }}">{{ .Inner }}</div>\n'
    ),
    "layouts/_default/baseof.html": (
        '<!doctype html>\n<html lang="{{ site.LanguageCode }}">\n<head><meta charset="utf-8">'
        "<title>{{ .Title }} | {{ site.Title }}</title></head>\n"
        '<body>\n{{ block "main" . }}{{ end }}\n</body>\n</html>\n'
    ),
    "layouts/_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>\n'
        '<p>{{ .Params.event }} · {{ .Params.location }} · {{ .Date.Format "2006-01-02" }}</p>\n'
        "{{ with .Params.abstract }}<p>{{ . | markdownify }}</p>{{ end }}\n"
        "{{ .Content }}</article>{{ end }}\n"
    ),
    "layouts/_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>\n<ul>\n'
        '{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>\n'
        "{{ end }}</ul>\n{{ end }}\n"
    ),
}

_SECTION_INDEX = """\
---
title: Talks
cms_exclude: true

# View.
#   1 = List
#   2 = Compact
#   3 = Card
view: 2

# Optional header image (relative to `static/media/` folder).
header:
  caption: ''
  image: ''
---
"""

_WORDS = _split(
    """\
learning model models graph graphs sparse dense inference estimation bayesian causal kernel kernels
network networks neural deep shallow robust stochastic gradient descent optimisation convex nonconvex
sampling variational posterior prior likelihood regression classification clustering embedding
embeddings attention transformer transformers language speech vision image images signal signals
spectral manifold topology geometry algebra category theory proof proofs verification compiler
compilers type types system systems distributed parallel concurrent memory cache latency throughput
storage database query queries index indexes stream streams event events time series forecasting
climate ocean atmosphere carbon energy grid battery materials protein proteins genome genomic cell
cells single-cell microscopy imaging clinical trial trials survival epidemic epidemiology vaccine
privacy fairness explainability interpretability uncertainty calibration benchmark benchmarks
dataset datasets evaluation metric metrics scaling laws emergent reasoning planning control robot
robots reinforcement policy policies reward agents agent multi-agent game games equilibrium market
markets auction auctions mechanism design economics finance risk portfolio volatility quantum qubit
qubits circuit circuits error correction lattice cryptography zero-knowledge consensus blockchain
federated secure aggregation differential compression quantisation pruning distillation hardware
accelerator accelerators kernel-level scheduling routing traffic mobility urban rural survey
sociology linguistics phonology syntax semantics pragmatics corpus corpora translation multilingual
low-resource dialect dialects annotation crowdsourcing education teaching reproducibility software
open-source tooling workflow workflows pipeline pipelines visualisation interactive notebook
notebooks statistics statistical hypothesis testing bootstrap permutation asymptotic minimax
theorem lemma bound bounds rate rates convergence stability generalisation overfitting
regularisation lasso ridge elastic penalty sparsity screening thresholding hierarchical mixed
effects longitudinal panel functional nonparametric semiparametric quantile extreme tail"""
)

_NON_ASCII = _split(
    "café naïve résumé Zürich Kraków São-Paulo Ångström Gödel Erdős Poincaré Dvořák Łódź Fréchet "
    "Lévy Schrödinger Bézier Cauchy–Schwarz Jürgen Málaga Reykjavík Tōkyō "
    "東京大学 機械学習 深度学习 自然言語処理 统计推断 한국어 음성인식 Ελληνικά русский "
    "עברית العربية हिन्दी 🎉 🚀 📊 🧠 🌍 ✨ 🔬 ≤ → ∑ ∞ — …"
)

_FIRST = _split(
    "Ana Zoë José Björn Chloé Łukasz Søren Thảo Jürgen François İlker Aoife Mei Hiroshi Priya Oluwaseun "
    "Siobhán Dmitri Małgorzata Íñigo Renée Ahmed Yuki Carlos Emily Noa Yusuf Élodie Tomasz Sanne Jonas "
    "Fatima Kwame Ingrid Mateo Aarav Léa Chen Sofía Nikolai Amara Henrik Chiara Rafael Ayşe Olumide Ilse"
)
_LAST = _split(
    "García Müller Nowak Nguyễn Lindqvist Raman Ben-David Haddad Marchand Bakker Okafor Tanaka Kim "
    "O'Brien Ó-Súilleabháin Dubois Rossi Novák Kowalczyk Jensen Papadopoulos Ivanova Silva Santos "
    "Yılmaz Mensah Haraldsdóttir Schmidt Fernández Wang Li Zhang Sato Suzuki Patel Sharma Cohen Levi"
)
_CJK_NAMES = ("王小明", "佐藤 花子", "김민준", "李华", "田中 太郎")

_TAGS = _split(
    "Machine Learning|Deep Learning|Statistics|Bayesian Inference|Causal Inference|Graphical Models|"
    "Sparsity|Optimisation|Reinforcement Learning|Computer Vision|NLP|Speech Recognition|"
    "Multilingual NLP|Transformers|Explainability|Fairness|Privacy|Federated Learning|Quantum Computing|"
    "Kernel Methods|Time Series|Forecasting|Climate|Genomics|Single-Cell|Epidemiology|Survival Analysis|"
    "Econometrics|Game Theory|Cryptography|Distributed Systems|Databases|Compilers|Formal Verification|"
    "Programming Languages|HPC|Robotics|Control|Signal Processing|Topology|Geometry|Probability|"
    "Open Source|Reproducibility|Teaching|R|Python|Julia|Rust|Visualisation|"
    "Données|統計|機器學習|Ökonometrie",
    "|",
)

_CITIES = (
    ("Zürich", "ZH", "8092", "Switzerland", "Rämistrasse"),
    ("Montréal", "QC", "H3A 0G4", "Canada", "Rue Sherbrooke Ouest"),
    ("São Paulo", "SP", "05508-090", "Brazil", "Avenida Paulista"),
    ("Kraków", "Lesser Poland", "30-059", "Poland", "ulica Gołębia"),
    ("Tokyo", "Tōkyō", "113-8654", "Japan", "Hongō"),
    ("Beijing", "北京市", "100871", "China", "Yiheyuan Road"),
    ("Amsterdam", "North Holland", "1098 XH", "Netherlands", "Science Park"),
    ("Göttingen", "Lower Saxony", "37073", "Germany", "Wilhelmsplatz"),
    ("Cambridge", "MA", "02139", "United States", "Massachusetts Avenue"),
    ("Paris", "Île-de-France", "75005", "France", "Rue d'Ulm"),
    ("Reykjavík", "Capital Region", "101", "Iceland", "Sæmundargata"),
    ("Seoul", "Seoul", "08826", "South Korea", "Gwanak-ro"),
    ("Tel Aviv", "Tel Aviv District", "6997801", "Israel", "Haim Levanon Street"),
    ("Cape Town", "Western Cape", "7700", "South Africa", "Rondebosch Main Road"),
    ("Melbourne", "VIC", "3010", "Australia", "Grattan Street"),
    ("Stanford", "CA", "94305", "United States", "Serra Mall"),
    ("Uppsala", "Uppsala County", "751 05", "Sweden", "Kungsgatan"),
    ("Delft", "South Holland", "2628 CD", "Netherlands", "Mekelweg"),
    ("Málaga", "Andalucía", "29071", "Spain", "Bulevar Louis Pasteur"),
    ("Lagos", "Lagos State", "101017", "Nigeria", "University Road"),
)
_VENUES = (
    "Lecture Hall B",
    "Room 2.14",
    "Auditorium Maximum",
    "Salle des Actes",
    "Hörsaal 3",
    "Seminar Room 101",
    "Main Building",
    "Turing Room",
    "Hall Noether",
)
_SERIES = (
    "International Conference on {topic}",
    "Workshop on {topic}",
    "{city} {field} Seminar",
    "Journées de {field}",
    "Colloquium, Department of {field}",
    "PyData {city}",
    "useR! {year}",
    "Annual Meeting of the {field} Society",
    "Summer School on {topic}",
    "{field} Reading Group",
    "Séminaire de {field}",
    "Nordic–Baltic {field} Day",
    "日本{field}学会 Annual Meeting",
)
_FIELDS = (
    "Statistics",
    "Computer Science",
    "Mathematics",
    "Economics",
    "Linguistics",
    "Physics",
    "Biostatistics",
    "Data Science",
    "Informatique",
    "Ökonometrie",
)
_LINK_ICONS = (
    ("twitter", "fab", "Follow"),
    ("github", "fab", "Code"),
    ("youtube", "fab", "Recording"),
    ("file-alt", "fas", "Handout"),
    ("globe", "fas", "Event page"),
)
_MATH = (
    "$a<b$",
    "$p \\gg n$",
    "$\\mathcal{O}(n \\log n)$",
    "$x_i^\\top \\beta$",
    "$\\lambda \\to 0$",
    "$\\sum_{i=1}^n w_i = 1$",
)
_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_YAML_PLAIN = re.compile(r"[^\W\d_][^:#'\"{}\[\],&*!|>%@`\n]*[^\s:]")
_YAML_RESERVED = frozenset(_split("yes no true false on off null y n"))


def generate(count: int, out_dir: Path, seed: int = 1) -> dict[str, object]:
    """Write the site into ``out_dir``; replace its content folder only when this script wrote it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / MARKER
    talk_dir = out_dir / "content" / "talk"
    if talk_dir.exists():
        if not marker.exists():
            sys.exit(f"{talk_dir} exists and was not written by generate_site.py; choose another OUT_DIR")
        marker.unlink()
        shutil.rmtree(talk_dir)
    talk_dir.mkdir(parents=True)
    (out_dir / "hugo.toml").write_text(HUGO_RSS_ONLY, encoding="utf-8")
    (out_dir / "hugo.full.toml").write_text(HUGO_FULL, encoding="utf-8")
    for relative, text in _LAYOUTS.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (talk_dir / "_index.md").write_text(_SECTION_INDEX, encoding="utf-8")

    rng = random.Random(seed)
    sentences = [_sentence(rng) for _ in range(4096)]
    total_bytes = 0
    slugs: list[str] = []
    for number in range(count):
        slug, data = _page(rng, sentences, number)
        folder = talk_dir / slug
        os.mkdir(folder)
        with open(folder / "index.md", "wb") as file:
            file.write(data)
        total_bytes += len(data)
        slugs.append(slug)
    info: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "count": count,
        "seed": seed,
        "markdown_bytes": total_bytes,
        "probe_page": f"content/talk/{slugs[count // 2]}/index.md" if slugs else None,
    }
    marker.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(7, 22))]
    if rng.random() < 0.35:
        words.insert(rng.randrange(len(words)), rng.choice(_NON_ASCII))
    if rng.random() < 0.15:
        position = rng.randrange(len(words))
        words[position] = f"*{words[position]}*"
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice(".....?!")


def _text(rng: random.Random, sentences: list[str], low: int, high: int, skewed: bool = False) -> str:
    """Join sentences to between ``low`` and ``high`` characters; ``skewed`` makes short texts likelier."""
    target = int(rng.triangular(low, high, low)) if skewed else rng.randint(low, high)
    parts: list[str] = []
    length, size, draw = 0, len(sentences), rng.random
    while length < target:
        sentence = sentences[int(draw() * size)]
        parts.append(sentence)
        length += len(sentence) + 1
    text = " ".join(parts)
    return text if len(text) <= high else text[: text.rfind(" ", 0, high - 1)] + "."


def _name(rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(_CJK_NAMES)
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _title(rng: random.Random) -> tuple[str, str]:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 8))]
    slug = "-".join(words[:5])
    title = " ".join(word.capitalize() if len(word) > 3 else word for word in words)
    extra = rng.random()
    if extra < 0.1:
        title += f': {rng.choice(_NON_ASCII)} & "{rng.choice(_WORDS)}" Revisited'
    elif extra < 0.2:
        title = f"{rng.choice(_NON_ASCII)} {title}"
    elif extra < 0.3:
        title += f" — is {rng.choice(_MATH)} Enough?"
    return title, slug


def _event(rng: random.Random, year: int) -> tuple[str, str, str, str, tuple[str, str, str, str, str] | None]:
    city, region, postcode, country, street = rng.choice(_CITIES)
    topic = " ".join(rng.choice(_WORDS) for _ in range(2)).title()
    series = rng.choice(_SERIES).format(topic=topic, city=city, field=rng.choice(_FIELDS), year=year)
    event = series if "{year}" in series or str(year) in series else f"{series} {year}"
    slug = re.sub(r"[^a-z0-9]+", "-", event.lower()).strip("-")[:40] or "event"
    event_url = f"https://example.org/events/{slug}/"
    if rng.random() < 0.15:
        return event, event_url, "Online event", "", None
    location = f"{rng.choice(_VENUES)}, {city}"
    address = (f"{rng.randint(1, 450)} {street}", city, region, postcode, country)
    return event, event_url, location, city, address


def _times(rng: random.Random) -> tuple[datetime, datetime, datetime, bool]:
    """Return publish, start and end; about 3% of talks are upcoming (published, held in 2027-28)."""
    publish = datetime(2008, 1, 1) + timedelta(days=rng.randrange(6390), minutes=30 * rng.randrange(48))
    if rng.random() < 0.03:
        start = datetime(2027, 1, 1) + timedelta(days=rng.randrange(700))
    else:
        start = publish.replace(hour=0, minute=0) + timedelta(days=rng.randint(1, 60))
    start = start.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45)))
    all_day = rng.random() < 0.1
    if all_day:
        start = start.replace(hour=0, minute=0)
        return publish, start, start + timedelta(days=rng.randint(0, 2)), True
    return publish, start, start + timedelta(minutes=rng.choice((30, 45, 60, 90, 120))), False


def _body(rng: random.Random, sentences: list[str]) -> str:
    def paragraph(low: int, high: int) -> str:
        text = _text(rng, sentences, low, high)
        cut = text.find(" ", len(text) // 3)
        extra = rng.random()
        if extra < 0.4:
            words = text[cut + 1 :].split(" ", 3)
            if len(words) > 3:
                link = (
                    f"[{words[0]} {words[1]}](https://example.org/{rng.choice(_WORDS)}/{rng.randint(1, 999)})"
                )
                text = f"{text[: cut + 1]}{link} {words[2]} {words[3]}"
        elif extra < 0.7:
            text = f"{text[:cut]} with {rng.choice(_MATH)} {text[cut + 1 :]}"
        return text

    blocks: list[str] = []
    if rng.random() < 0.6:
        blocks.append(
            "{{% callout note %}}\n"
            "Click on the **Slides** button above to view the built-in slides feature.\n"
            "{{% /callout %}}"
        )
    blocks.append("## Overview")
    blocks.extend(paragraph(120, 450) for _ in range(rng.randint(1, 2)))
    if rng.random() < 0.8:
        marker = "1." if rng.random() < 0.3 else "-"
        items = [f"{marker} {_text(rng, sentences, 40, 120)}" for _ in range(rng.randint(3, 5))]
        blocks.append("### Key points\n\n" + "\n".join(items))
    if rng.random() < 0.6:
        rows = ["| Method | Dataset | Score | Notes |", "|:-------|:--------|------:|:------|"]
        for _ in range(rng.randint(3, 6)):
            method = rng.choice(_WORDS).capitalize()
            dataset = f"{rng.choice(_WORDS)}-{rng.randint(10, 99)}"
            rows.append(f"| {method} | {dataset} | {rng.random():.3f} | {rng.choice(_NON_ASCII)} |")
        blocks.append("\n".join(rows))
    if rng.random() < 0.4:
        video = "".join(rng.choice(_ID_CHARS) for _ in range(11))
        blocks.append(f"{{{{< youtube {video} >}}}}")
    if rng.random() < 0.2:
        blocks.append(f"{{{{% alert warning %}}}}\n{_text(rng, sentences, 60, 200)}\n{{{{% /alert %}}}}")
    blocks.append("## Discussion")
    blocks.append(paragraph(120, 450))
    return "\n\n".join(blocks) + "\n"


def _page(rng: random.Random, sentences: list[str], number: int) -> tuple[str, bytes]:
    title, slug_words = _title(rng)
    publish, start, end, all_day = _times(rng)
    event, event_url, location, _city, address = _event(rng, start.year)
    authors = [_name(rng) for _ in range(rng.choices((1, 2, 3, 4), (60, 25, 10, 5))[0])]
    tags = rng.sample(_TAGS, rng.randint(0, 5))
    summary = _text(rng, sentences, 60, 220)
    abstract = _text(rng, sentences, 300, 3000, skewed=True)
    slides = f"https://example.org/slides/{slug_words}.pdf" if rng.random() < 0.5 else ""
    video = f"https://www.youtube.com/watch?v={number:011d}" if rng.random() < 0.3 else ""
    links = [rng.choice(_LINK_ICONS) for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0])]
    front = (_yaml if rng.random() < 0.8 else _toml)(
        rng,
        title,
        event,
        event_url,
        location,
        address,
        summary,
        abstract,
        publish,
        start,
        end,
        all_day,
        authors,
        tags,
        slides,
        video,
        links,
        slug_words,
    )
    slug = f"{slug_words}-{number}"
    return slug, (front + "\n" + _body(rng, sentences)).encode("utf-8")


def _yaml_scalar(value: str) -> str:
    if value == "":
        return "''"
    if _YAML_PLAIN.fullmatch(value) and value.lower() not in _YAML_RESERVED and ": " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _yaml_date(moment: datetime, all_day: bool, utc: bool) -> str:
    if all_day:
        return moment.strftime("%Y-%m-%d")
    if utc:
        return moment.strftime("'%Y-%m-%dT%H:%M:%SZ'")
    offset = "+01:00" if moment.month in (1, 2, 3, 11, 12) else "+02:00"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _yaml(
    rng,
    title,
    event,
    event_url,
    location,
    address,
    summary,
    abstract,
    publish,
    start,
    end,
    all_day,
    authors,
    tags,
    slides,
    video,
    links,
    slug_words,
) -> str:  # type: ignore[no-untyped-def]
    utc = rng.random() < 0.5
    lines = [
        "---",
        f"title: {_yaml_scalar(title)}",
        f"event: {_yaml_scalar(event)}",
        f"event_url: {event_url}",
        f"location: {_yaml_scalar(location)}",
    ]
    if address is not None:
        street, city, region, postcode, country = address
        lines += [
            "address:",
            f"  street: {_yaml_scalar(street)}",
            f"  city: {_yaml_scalar(city)}",
            f"  region: {_yaml_scalar(region)}",
            f"  postcode: '{postcode}'",
            f"  country: {_yaml_scalar(country)}",
        ]
    lines.append(f"summary: {json.dumps(summary, ensure_ascii=False)}")
    if rng.random() < 0.5:
        lines.append("abstract: >-")
        lines.extend("  " + line for line in _wrap(abstract, 96))
    else:
        lines.append(f"abstract: {json.dumps(abstract, ensure_ascii=False)}")
    lines += [
        "",
        "# Talk start and end times.",
        "#   End time can optionally be hidden by prefixing the line with `#`.",
        f"date: {_yaml_date(start, all_day, utc)}",
        f"date_end: {_yaml_date(end, all_day, utc)}",
        f"all_day: {'true' if all_day else 'false'}",
        "",
        "# Schedule page publish date (NOT talk date).",
        f"publishDate: {_yaml_date(publish, False, utc)}",
        "",
        "authors:",
        *(f"  - {_yaml_scalar(author)}" for author in authors),
        "",
        "# Is this a featured talk? (true/false)",
        f"featured: {'true' if rng.random() < 0.1 else 'false'}",
        "",
        "tags:" if tags else "tags: []",
        *(f"  - {_yaml_scalar(tag)}" for tag in tags),
        "",
        "image:",
        f"  caption: 'Image credit: [**Unsplash**](https://unsplash.com/photos/{slug_words[:12]})'",
        "  focal_point: Right",
    ]
    if links:
        lines.append("links:")
        for icon, pack, name in links:
            lines += [
                f"  - icon: {icon}",
                f"    icon_pack: {pack}",
                f"    name: {name}",
                f"    url: https://example.org/{icon}/{slug_words[:20]}",
            ]
    lines += [
        "",
        "# Optional filename of your slides within your talk's folder or a URL.",
        f"url_slides: {slides or repr('')}",
        "url_code: ''",
        "url_pdf: ''",
        f"url_video: {video or repr('')}",
        "",
        "# Markdown Slides (optional).",
        "slides: ''",
        "",
        "# Projects (optional).",
        "projects: []",
        "---",
    ]
    return "\n".join(lines) + "\n"


def _toml(
    rng,
    title,
    event,
    event_url,
    location,
    address,
    summary,
    abstract,
    publish,
    start,
    end,
    all_day,
    authors,
    tags,
    slides,
    video,
    links,
    slug_words,
) -> str:  # type: ignore[no-untyped-def]
    def string(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    def array(values: list[str]) -> str:
        return "[" + ", ".join(string(value) for value in values) + "]"

    if all_day:
        start, end = start.replace(hour=9), end.replace(hour=17)
    lines = [
        "+++",
        f"title = {string(title)}",
        f"date = {publish:%Y-%m-%dT%H:%M:%S}  # Schedule page publish date.",
        "draft = false",
        "",
        "# Talk start and end times.",
        "#   End time can optionally be hidden by prefixing the line with `#`.",
        f"time_start = {start:%Y-%m-%dT%H:%M:%S}",
        f"time_end = {end:%Y-%m-%dT%H:%M:%S}",
        "",
        '# Authors. Comma separated list, e.g. `["Bob Smith", "David Jones"]`.',
        f"authors = {array(authors)}",
        "",
        "# Abstract and optional shortened version.",
        f"abstract = {string(abstract)}",
        f"summary = {string(summary)}",
        "",
        "# Name of event and optional event URL.",
        f"event = {string(event)}",
        f"event_url = {string(event_url)}",
        "",
        "# Location of event.",
        f"location = {string(location)}",
        "",
        "# Is this a selected talk? (true/false)",
        f"selected = {'true' if rng.random() < 0.2 else 'false'}",
        "",
        "# Projects (optional).",
        "projects = []",
        "",
        "# Tags (optional).",
        f"tags = {array(tags)}",
        "",
        "# Links (optional).",
        'url_pdf = ""',
        f"url_slides = {string(slides)}",
        f"url_video = {string(video)}",
        'url_code = ""',
        "",
        "# Does the content use math formatting?",
        "math = true",
    ]
    if links:
        inline = ", ".join(
            f'{{name = "{name}", url = "https://example.org/{icon}/{slug_words[:20]}", '
            f'icon_pack = "{pack}", icon = "{icon}"}}'
            for icon, pack, name in links
        )
        lines += ["", "# Custom links (optional).", f"links = [{inline}]"]
    if address is not None:
        street, city, region, postcode, country = address
        lines += [
            "",
            "[address]",
            f"street = {string(street)}",
            f"city = {string(city)}",
            f"region = {string(region)}",
            f"postcode = {string(postcode)}",
            f"country = {string(country)}",
        ]
    lines += [
        "",
        "# Optional featured image (relative to `static/img/` folder).",
        "[header]",
        'image = ""',
        'caption = ""',
        "+++",
    ]
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    start = 0
    while len(text) - start > width:
        cut = text.rfind(" ", start, start + width)
        if cut <= start:
            cut = text.find(" ", start + width)
            if cut == -1:
                break
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, metavar="N", help="number of talk pages")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("N must be 0 or more")
    started = time.perf_counter()
    info = generate(args.count, args.out_dir, args.seed)
    megabytes = int(info["markdown_bytes"]) / 1e6  # type: ignore[call-overload]
    print(
        f"wrote {args.count:,} talks ({megabytes:.1f} MB of Markdown) into {args.out_dir} "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
