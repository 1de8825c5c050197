"""Words shown to a class, in English and in Bahasa Indonesia.

Everything the teaching app (:mod:`sim.app`) and the offline demo (:mod:`sim.teaching.demo`) put on
screen comes from here, in the field's own words: *kemitraan* (partnership),
*gotong-royong* (mutual self-help), *kerukunan* (social cohesion), IPM (BPS's human
development index), APBN/APBD (central and regional budgets).

    >>> t("active_partnerships", "id")
    'Kemitraan aktif'
    >>> choice_key("reward_scheme", "hibah berbasis kinerja")
    'performance'
"""

from __future__ import annotations

import os

LANGS: tuple[str, ...] = ("en", "id")
DEFAULT_LANG = "en"
# Environment variable through which `kemitraan viz --lang` reaches the served app.
LANG_ENV = "KEMITRAAN_LANG"

TEXT: dict[str, dict[str, str]] = {
    # --- page -------------------------------------------------------------------------------
    "title": {
        "en": "Kemitraan: the trainer's classroom",
        "id": "Kemitraan: ruang kelas pelatih",
    },
    "tab_live": {"en": "One world", "id": "Satu dunia"},
    "tab_compare": {
        "en": "Side by side: world A and world B",
        "id": "Berdampingan: dunia A dan dunia B",
    },
    "help": {
        "en": "Set the levers on the left, press Reset to build the world, then Step (one quarter) or Play. "
        "Dots are community components, lines are partnerships (kemitraan).",
        "id": "Atur tuas kebijakan di kiri, tekan Ulang untuk membangun dunia, lalu Maju (satu triwulan) atau Jalankan. "
        "Titik adalah komponen masyarakat, garis adalah kemitraan.",
    },
    "compare_help": {
        "en": "Both worlds start from the same seed (replication {replication}): the same agents, the same regions, "
        "the same chance. They differ only in this lever: {contrast}. Any gap between the lines is the lever's doing.",
        "id": "Kedua dunia berangkat dari keadaan awal dan undian peluang yang sama (replikasi {replication}): komponen masyarakat "
        "dan wilayah yang sama. Bedanya hanya satu tuas: {contrast}. Selisih antara garis-garisnya adalah akibat tuas itu.",
    },
    "identical_warning": {
        "en": "World B is identical to world A: the lever chosen for world B already has that value in world A. Pick another.",
        "id": "Dunia B sama persis dengan dunia A: tuas yang dipilih untuk dunia B sudah bernilai sama di dunia A. Pilih yang lain.",
    },
    "time": {
        "en": "{quarter} · step {step} of {steps}",
        "id": "{quarter} · langkah {step} dari {steps}",
    },
    "quarter": {"en": "end of {year} Q{q}", "id": "Triwulan {roman} {year}"},
    "start_of": {"en": "start of {year}", "id": "awal {year}"},
    "world_a": {"en": "World A", "id": "Dunia A"},
    "world_b": {"en": "World B", "id": "Dunia B"},
    "world_a_is": {"en": "A: the levers on the left", "id": "A: tuas di sebelah kiri"},
    "world_b_is": {"en": "B: {contrast}", "id": "B: {contrast}"},
    "world_a_what": {"en": "A: {what}", "id": "A: {what}"},
    "no_cut": {
        "en": "public budgets as planned",
        "id": "anggaran pemerintah sesuai rencana",
    },
    "scenario_is": {"en": "Scenario: {name}", "id": "Skenario: {name}"},
    "builtin": {"en": "built-in baseline", "id": "dasar bawaan"},
    "levers_a": {"en": "World A's levers", "id": "Tuas dunia A"},
    "levers_line": {
        "en": "reward: {reward} · public funding {funding:.0f}% · trust fund {trust} · regulation: {regulation} · "
        "gotong-royong {gr} · information system {info} · capacity building Rp {cap:.0f} million/quarter · {agents} agents · replication {replication}",
        "id": "apresiasi: {reward} · dana pemerintah {funding:.0f}% · dana amanah {trust} · regulasi: {regulation} · "
        "gotong-royong {gr} · sistem informasi {info} · kapasitas SDM Rp {cap:.0f} juta/triwulan · {agents} komponen · replikasi {replication}",
    },
    "on": {"en": "on", "id": "ada"},
    "off": {"en": "off", "id": "tidak ada"},
    # --- the page's own controls (in place of Mesa's, which cannot be translated) ---------------
    "btn_reset": {"en": "Reset", "id": "Ulang"},
    "btn_step": {"en": "Step", "id": "Maju"},
    "btn_play": {"en": "Play", "id": "Jalankan"},
    "btn_pause": {"en": "Pause", "id": "Jeda"},
    "btn_extend": {"en": "Extend 5 years", "id": "Tambah 5 tahun"},
    "speed": {"en": "Speed", "id": "Kecepatan"},
    "per_second": {"en": "{n} quarters/s", "id": "{n} triwulan/detik"},
    "large_text": {"en": "Large text", "id": "Huruf besar"},
    "show_levers": {"en": "Levers", "id": "Tuas"},
    "levers_title": {
        "en": "Levers (take effect at Reset)",
        "id": "Tuas kebijakan (berlaku setelah Ulang)",
    },
    "pending": {
        "en": "Changed, not yet in force: press Reset. ",
        "id": "Sudah diubah, belum berlaku: tekan Ulang. ",
    },
    "run_over": {
        "en": "The run has reached its end ({year}). Extend it by 5 years to go on, or Reset.",
        "id": "Simulasi sudah sampai akhir ({year}). Tambah 5 tahun untuk melanjutkan, atau Ulang.",
    },
    "edge_bundle": {
        "en": "band: partnerships between two regions",
        "id": "pita: kemitraan antarwilayah",
    },
    "more_charts": {
        "en": "Partnerships, spending, cohesion",
        "id": "Kemitraan, belanja, kerukunan",
    },
    # --- the participatory room (kemitraan classroom) -----------------------------------------
    "room_title": {
        "en": "Kemitraan: the class plays",
        "id": "Kemitraan: kelas ikut bermain",
    },
    "room_code": {"en": "Join code", "id": "Kode masuk"},
    "room_people": {"en": "{n} playing", "id": "{n} peserta bermain"},
    "room_join_at": {
        "en": "Participants: open this address on a phone or laptop, give the code and a name.",
        "id": "Peserta: buka alamat ini di ponsel atau laptop, isi kode dan nama.",
    },
    "room_with": {"en": "With the class's choices", "id": "Dengan pilihan kelas"},
    "room_without": {
        "en": "Same seed, without the class",
        "id": "Keadaan awal sama, tanpa kelas",
    },
    "room_show_without": {
        "en": "Show the world without the class",
        "id": "Tampilkan dunia tanpa kelas",
    },
    "room_wait_all": {
        "en": "Wait until everyone has decided",
        "id": "Tunggu sampai semua memutuskan",
    },
    "room_restart": {
        "en": "Restart (same seed)",
        "id": "Mulai lagi (keadaan awal sama)",
    },
    "room_difference": {
        "en": "The class's choices so far: IPM {index}, active partnerships {active}, partnerships formed {formed}",
        "id": "Akibat pilihan kelas sejauh ini: IPM {index}, kemitraan aktif {active}, kemitraan terbentuk {formed}",
    },
    "room_name": {"en": "Name", "id": "Nama"},
    "room_component_h": {"en": "plays", "id": "berperan sebagai"},
    "room_component": {"en": "{kind} in {region}", "id": "{kind} di {region}"},
    "room_partnerships": {"en": "partnerships", "id": "kemitraan"},
    "room_choice": {"en": "choice", "id": "pilihan"},
    "room_decided": {"en": "decided", "id": "sudah memutuskan"},
    "room_choice_line": {
        "en": "money {money}% · labour {labour}% · accepts offers: {accept}",
        "id": "dana {money}% · tenaga {labour}% · terima tawaran: {accept}",
    },
    "yes": {"en": "yes", "id": "ya"},
    "no": {"en": "no", "id": "tidak"},
    "room_join_title": {"en": "Join the class's world", "id": "Masuk ke dunia kelas"},
    "room_join": {"en": "Join", "id": "Masuk"},
    "room_error": {"en": "Could not join: {why}", "id": "Belum bisa masuk: {why}"},
    "room_err_code": {"en": "the code is not right", "id": "kodenya salah"},
    "room_err_name": {"en": "a name is needed", "id": "nama harus diisi"},
    "room_err_full": {"en": "the room is full", "id": "ruang sudah penuh"},
    "room_need_key": {
        "en": "This is the trainer's page: open the address `kemitraan classroom` printed.",
        "id": "Ini halaman pelatih: buka alamat yang dicetak oleh `kemitraan classroom`.",
    },
    "room_my_partnerships": {
        "en": "Your partnerships now: {n}",
        "id": "Kemitraan Anda saat ini: {n}",
    },
    "room_partnership_line": {
        "en": "{activity}, with {n} partners",
        "id": "{activity}, bersama {n} mitra",
    },
    "room_usual": {
        "en": "At 100% you give about Rp {money} million in money and Rp {labour} million in labour a quarter.",
        "id": "Pada 100% Anda memberi sekitar Rp {money} juta dana dan Rp {labour} juta tenaga per triwulan.",
    },
    "room_decide_for": {
        "en": "Your decision for the next quarter",
        "id": "Keputusan Anda untuk triwulan berikutnya",
    },
    "room_money": {"en": "Money: {v}% of the usual", "id": "Dana: {v}% dari biasanya"},
    "room_labour": {
        "en": "Volunteer labour (gotong-royong): {v}% of the usual",
        "id": "Tenaga sukarela (gotong-royong): {v}% dari biasanya",
    },
    "room_accept": {
        "en": "Accept partnership offers",
        "id": "Terima tawaran kemitraan",
    },
    "room_send": {"en": "Decide", "id": "Putuskan"},
    "room_waiting": {
        "en": "Decided. Waiting for the next quarter.",
        "id": "Sudah diputuskan. Menunggu triwulan berikutnya.",
    },
    "room_not_yet": {
        "en": "Not decided yet for this quarter.",
        "id": "Belum memutuskan untuk triwulan ini.",
    },
    "activity_health": {"en": "health", "id": "kesehatan"},
    "activity_education": {"en": "education", "id": "pendidikan"},
    "activity_livelihood": {"en": "livelihood", "id": "ekonomi warga"},
    "activity_social": {"en": "social", "id": "sosial"},
    # --- controls -------------------------------------------------------------------------------
    "reward_scheme": {"en": "Reward system", "id": "Sistem apresiasi dan insentif"},
    "public_funding": {"en": "Public funding %", "id": "Dana pemerintah %"},
    "trust_fund": {"en": "Trust fund share", "id": "Porsi dana amanah"},
    "regulation": {"en": "Partnership regulation", "id": "Regulasi kemitraan"},
    "gotong_royong": {
        "en": "Gotong-royong (volunteer labour)",
        "id": "Gotong-royong (kerja bakti sukarela)",
    },
    "information_system": {"en": "Information system", "id": "Sistem informasi"},
    "capacity_building": {"en": "Capacity building", "id": "Kapasitas SDM"},
    "agents": {"en": "Agents", "id": "Jumlah komponen"},
    "compare": {
        "en": "Classroom: world B differs by",
        "id": "Kelas: dunia B berbeda pada",
    },
    "replication": {"en": "Replication", "id": "Replikasi"},
    # --- charts ---------------------------------------------------------------------------------
    "year": {"en": "year", "id": "tahun"},
    "index_ipm": {"en": "National IPM (human development)", "id": "IPM nasional"},
    "index_hdi": {
        "en": "National HDI (human development)",
        "id": "HDI nasional (UNDP)",
    },
    "target": {"en": "target {value}", "id": "target {value}"},
    "reached": {"en": "reached {when}", "id": "tercapai {when}"},
    "not_reached": {"en": "target not reached yet", "id": "target belum tercapai"},
    "active_partnerships": {"en": "Active partnerships", "id": "Kemitraan aktif"},
    "government_share": {
        "en": "Government share of spending %",
        "id": "Porsi belanja pemerintah %",
    },
    "cohesion": {"en": "Cohesion (kerukunan)", "id": "Kerukunan (saling percaya)"},
    "network": {"en": "Partnership network (kemitraan)", "id": "Jaringan kemitraan"},
    "region": {"en": "R{n}", "id": "W{n}"},
    "edge_active": {"en": "partnership", "id": "kemitraan"},
    "edge_new": {"en": "formed this quarter", "id": "terbentuk triwulan ini"},
    "edge_ended": {"en": "ended this quarter", "id": "bubar triwulan ini"},
    "not_in_partnership": {
        "en": "hollow: in no partnership",
        "id": "kosong: belum bermitra",
    },
    "region_colour": {
        "en": "circle colour: regional IPM band",
        "id": "warna lingkaran: kelompok IPM wilayah",
    },
    # --- scoreboard -----------------------------------------------------------------------------
    "score_world": {"en": "world", "id": "dunia"},
    "score_index": {"en": "IPM now", "id": "IPM saat ini"},
    "score_target": {"en": "target {value} reached", "id": "target {value} tercapai"},
    "score_active": {"en": "active partnerships", "id": "kemitraan aktif"},
    "score_formed": {"en": "formed so far", "id": "terbentuk sejauh ini"},
    "score_share": {
        "en": "government share (so far)",
        "id": "porsi pemerintah (selama simulasi)",
    },
    "score_cohesion": {"en": "kerukunan", "id": "kerukunan"},
    "not_yet": {"en": "not yet", "id": "belum"},
    # --- offline demo ---------------------------------------------------------------------------
    "demo_title": {
        "en": "{name}: world A and world B, same seed",
        "id": "{name}: dunia A dan dunia B, keadaan awal sama",
    },
    "policy_event": {"en": "{year}: {label}", "id": "{year}: {label}"},
    "event_public_budgets": {
        "en": "public budgets {change}",
        "id": "anggaran pemerintah {change}",
    },
}

CHOICES: dict[str, dict[str, dict[str, str]]] = {
    "reward_scheme": {
        "none": {"en": "none", "id": "tidak ada"},
        "recognition": {
            "en": "recognition (awards, no money)",
            "id": "apresiasi (penghargaan tanpa uang)",
        },
        "cash_per_participant": {
            "en": "cash per participant",
            "id": "uang tunai per peserta",
        },
        "performance": {
            "en": "performance-based grants",
            "id": "hibah berbasis kinerja",
        },
        "tournament": {"en": "tournament prizes", "id": "lomba berhadiah"},
    },
    "regulation": {
        "scenario": {
            "en": "as in the scenario (baseline: moderate)",
            "id": "sesuai skenario (dasar: sedang)",
        },
        "restrictive": {
            "en": "restrictive: costly, uncertain",
            "id": "membatasi: mahal, tidak pasti",
        },
        "supportive": {
            "en": "supportive: cheap, certain, tax deduction",
            "id": "mendukung: murah, pasti, potongan pajak",
        },
    },
    "compare": {
        "gotong_royong_off": {"en": "gotong-royong off", "id": "tanpa gotong-royong"},
        "gotong_royong_on": {"en": "gotong-royong on", "id": "dengan gotong-royong"},
        "reward_none": {"en": "no reward system", "id": "tanpa sistem apresiasi"},
        "reward_recognition": {
            "en": "reward: recognition",
            "id": "apresiasi: penghargaan",
        },
        "reward_cash_per_participant": {
            "en": "reward: cash per participant",
            "id": "apresiasi: uang tunai per peserta",
        },
        "reward_performance": {
            "en": "reward: performance-based grants",
            "id": "apresiasi: hibah berbasis kinerja",
        },
        "reward_tournament": {
            "en": "reward: tournament prizes",
            "id": "apresiasi: lomba berhadiah",
        },
        "funding_cut": {
            "en": "public budgets cut by half after 5 years",
            "id": "anggaran pemerintah dipotong separuh setelah 5 tahun",
        },
        "funding_low": {"en": "public funding 60%", "id": "dana pemerintah 60%"},
        "funding_high": {"en": "public funding 150%", "id": "dana pemerintah 150%"},
        "trust_fund_none": {"en": "no trust fund", "id": "tanpa dana amanah"},
        "trust_fund_high": {
            "en": "trust fund pools 80% of donor money",
            "id": "dana amanah menghimpun 80% dana donor",
        },
        "regulation_restrictive": {
            "en": "restrictive regulation",
            "id": "regulasi membatasi",
        },
        "regulation_supportive": {
            "en": "supportive regulation",
            "id": "regulasi mendukung",
        },
        "information_none": {
            "en": "no information system",
            "id": "tanpa sistem informasi",
        },
        "information_high": {
            "en": "strong information system (0.8)",
            "id": "sistem informasi kuat (0,8)",
        },
        "capacity_none": {
            "en": "no capacity building",
            "id": "tanpa peningkatan kapasitas",
        },
        "capacity_high": {
            "en": "capacity building tripled",
            "id": "peningkatan kapasitas tiga kali lipat",
        },
        "government_alone": {
            "en": "government alone (no partnerships)",
            "id": "pemerintah saja (tanpa kemitraan)",
        },
    },
    "kind": {
        "community_group": {"en": "community group", "id": "kelompok masyarakat"},
        "ngo": {"en": "NGO", "id": "LSM"},
        "religious_body": {
            "en": "religious or customary body",
            "id": "lembaga keagamaan dan adat",
        },
        "business": {"en": "business", "id": "dunia usaha"},
        "university": {"en": "university", "id": "perguruan tinggi"},
    },
    "band": {
        "low": {"en": "low", "id": "rendah"},
        "medium": {"en": "medium", "id": "sedang"},
        "high": {"en": "high", "id": "tinggi"},
        "very high": {"en": "very high", "id": "sangat tinggi"},
    },
    "demo": {
        "gotong-royong": {
            "en": "Gotong-royong on and off",
            "id": "Dengan dan tanpa gotong-royong",
        },
        "reward": {
            "en": "No reward system and performance-based grants",
            "id": "Tanpa apresiasi dan hibah berbasis kinerja",
        },
        "funding-cut": {
            "en": "A public funding cut",
            "id": "Pemotongan dana pemerintah",
        },
    },
}


def check_lang(lang: str | None) -> str:
    """``lang`` if it is one of :data:`LANGS`; None gives the default. Raises ValueError otherwise."""
    if lang is None:
        return DEFAULT_LANG
    if lang not in LANGS:
        raise ValueError(
            f"language {lang!r} is not allowed; allowed: {', '.join(LANGS)}"
        )
    return lang


def lang_from_env() -> str:
    """The language asked for through ``KEMITRAAN_LANG`` (default English; unknown values fall back to it)."""
    value = os.environ.get(LANG_ENV, DEFAULT_LANG).strip().lower()
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The text ``key`` in ``lang``, formatted with ``fmt``."""
    text = TEXT[key][check_lang(lang)]
    return text.format(**fmt) if fmt else text


def choice_label(group: str, key: str, lang: str = DEFAULT_LANG) -> str:
    """Display label of choice ``key`` of ``group`` (e.g. a reward scheme) in ``lang``."""
    return CHOICES[group][key][check_lang(lang)]


def choice_labels(group: str, lang: str = DEFAULT_LANG) -> list[str]:
    """Display labels of every choice of ``group``, in order."""
    return [choice_label(group, k, lang) for k in CHOICES[group]]


def choice_key(group: str, value: str) -> str:
    """The key of a choice given its key or its label in any language.

    Raises:
        ValueError: ``value`` names no choice of ``group``.
    """
    options = CHOICES[group]
    if value in options:
        return value
    for key, names in options.items():
        if value in names.values():
            return key
    raise ValueError(
        f"{value!r} is not a {group.replace('_', ' ')}; allowed: {', '.join(options)}"
    )


ROMAN = ("I", "II", "III", "IV")


def quarter_text(year: float, lang: str = DEFAULT_LANG) -> str:
    """The model's time as words: ``2017.75`` (after three quarters of 2017) is "end of 2017 Q3", "Triwulan III 2017"."""
    y = int(year + 1e-9)
    q = round((year - y) * 4)
    if q == 0:
        # The state after step s is the end of quarter s; a whole year is the end of the previous Q4.
        y, q = y - 1, 4
    return t("quarter", lang, year=y, q=q, roman=ROMAN[q - 1])


def number(value: float, digits: int, lang: str = DEFAULT_LANG) -> str:
    """A number with ``digits`` decimals in the language's one format: 1,234.5 in English, 1.234,5 in Bahasa Indonesia."""
    text = f"{value:,.{digits}f}"
    if check_lang(lang) == "id":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def index_name(method: str) -> str:
    """IPM (BPS) or HDI (UNDP)."""
    return "IPM" if method == "ipm" else "HDI"


# The short forms Indonesians use for the provinces (BPS's spelling on the left), so that 34
# labels fit on one projected map; the full name stays in each label's tooltip.
PROVINCE_SHORT: dict[str, str] = {
    "ACEH": "Aceh",
    "SUMATERA UTARA": "Sumut",
    "SUMATERA BARAT": "Sumbar",
    "RIAU": "Riau",
    "JAMBI": "Jambi",
    "SUMATERA SELATAN": "Sumsel",
    "BENGKULU": "Bengkulu",
    "LAMPUNG": "Lampung",
    "KEP. BANGKA BELITUNG": "Babel",
    "KEPULAUAN RIAU": "Kepri",
    "DKI JAKARTA": "Jakarta",
    "JAWA BARAT": "Jabar",
    "JAWA TENGAH": "Jateng",
    "D I YOGYAKARTA": "DIY",
    "JAWA TIMUR": "Jatim",
    "BANTEN": "Banten",
    "BALI": "Bali",
    "NUSA TENGGARA BARAT": "NTB",
    "NUSA TENGGARA TIMUR": "NTT",
    "KALIMANTAN BARAT": "Kalbar",
    "KALIMANTAN TENGAH": "Kalteng",
    "KALIMANTAN SELATAN": "Kalsel",
    "KALIMANTAN TIMUR": "Kaltim",
    "KALIMANTAN UTARA": "Kaltara",
    "SULAWESI UTARA": "Sulut",
    "SULAWESI TENGAH": "Sulteng",
    "SULAWESI SELATAN": "Sulsel",
    "SULAWESI TENGGARA": "Sultra",
    "GORONTALO": "Gorontalo",
    "SULAWESI BARAT": "Sulbar",
    "MALUKU": "Maluku",
    "MALUKU UTARA": "Malut",
    "PAPUA BARAT": "Papua Barat",
    "PAPUA": "Papua",
}
SHORT_MAX = 12  # longest region label (characters) before it is cut with an ellipsis


def region_short(name: str, n: int, lang: str = DEFAULT_LANG) -> str:
    """A region's label on the network: a province's usual short form, "R3"/"W3" for an unnamed region.

    Args:
        name: The region's name as the model has it (BPS's spelling for a province).
        n: The region's number, from 1.
        lang: Language of the label.

    Returns:
        At most :data:`SHORT_MAX` characters (a longer name is cut, with "…").

    >>> region_short("SULAWESI SELATAN", 27), region_short("Region 2", 2, "id")
    ('Sulsel', 'W2')
    """
    if name in PROVINCE_SHORT:
        return PROVINCE_SHORT[name]
    if name == f"Region {n}" or not name.strip():
        return t("region", lang, n=n)
    text = name.title() if name.isupper() else name
    return text if len(text) <= SHORT_MAX else text[: SHORT_MAX - 1].rstrip() + "…"


def region_full(name: str) -> str:
    """A region's name for a tooltip or a table ("Sulawesi Selatan" for BPS's "SULAWESI SELATAN")."""
    fixed = {"D I YOGYAKARTA": "DI Yogyakarta", "DKI JAKARTA": "DKI Jakarta"}
    if name in fixed:
        return fixed[name]
    return name.title().replace("Kep. ", "Kepulauan ") if name.isupper() else name
