"""The offline draft writer's stories.

The three steps of ``story.writer`` (schemas titled ``shotline.outline``, ``shotline.appearance``
and ``shotline.segment``) are answered with a small story read from the idea: a protagonist and
places, a classic arc (setup, inciting incident, rising action, turn, climax, resolution) over the
segments, a few dialogue lines and varied framings. Deterministic for an idea and seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shotline.language import language_of
from shotline.providers.contracts import WriterRequest
from shotline.providers.offline._imaging import stable_int

# The shotline story writer asks in three steps and puts its context in a fenced JSON block with an
# "idea" key. For those steps the draft is a small story, not a filled-in schema: a protagonist
# taken from the idea, places from its place words, and a classic arc over the segments.

# Words that carry no meaning of their own in an idea.
STOP_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "a an the and or but of in on at to for from with without by as is are was were be been "
        "it its this that these those into onto over under about after before when while then "
        "than so very just who whom which what where how why his her their our your my we you "
        "they he she them him me us i not no yes do does did has have had will would can could "
        "should may might must some any all each every one two three story film short movie idea "
        "write please json schema answer return make create give"
    ).split()
)

STORY_STEPS = ("shotline.outline", "shotline.appearance", "shotline.segment")

# name, voice (the offline speech voices)
CAST = (
    ("Mara", "female"), ("Theo", "male"), ("Ines", "female"), ("Jonah", "male"),
    ("Asha", "female"), ("Felix", "male"), ("Noor", "female"), ("Ravi", "male"),
    ("Lena", "female"), ("Oskar", "male"), ("Yuki", "female"), ("Silas", "male"),
)  # fmt: skip
PERSONALITIES = (
    "stubborn and resourceful, talks out loud when afraid",
    "patient and precise, slow to trust, quietly funny",
    "restless and curious, acts first and asks later",
    "gentle and methodical, keeps every promise",
    "proud, sharp-tongued, secretly lonely",
    "cheerful under pressure, hides doubt behind jokes",
)

# role word -> clothing (camera-ready, never the words "wide", "medium" or "close": they read as
# camera framings to the offline sketch provider)
ROLES: dict[str, str] = {
    "astronaut": "a scuffed white pressure suit with orange shoulder patches, gold visor raised",
    "pilot": "a navy flight jacket over a grey flight suit, patched at the elbows",
    "chef": "a white double-breasted chef's jacket, black apron, sleeves rolled up",
    "cook": "a white double-breasted chef's jacket, black apron, sleeves rolled up",
    "detective": "a long charcoal trench coat over a dark roll-neck sweater",
    "keeper": "a faded yellow oilskin coat over a cable-knit jumper, rubber boots",
    "scientist": "a white lab coat over a green sweater, safety glasses on a cord",
    "sailor": "an orange waterproof jacket, a knitted wool cap, rubber boots",
    "fisher": "an orange waterproof jacket, a knitted wool cap, rubber boots",
    "farmer": "a worn denim jacket, canvas trousers, muddy work boots",
    "gardener": "a canvas apron with soil-stained pockets over a linen shirt",
    "knight": "dented steel armour over a blue surcoat",
    "ranger": "an olive ranger uniform, a broad-brimmed hat, a coiled rope at the belt",
    "musician": "a patched corduroy jacket, a red scarf, a guitar strap across the chest",
    "explorer": "a sun-faded khaki field jacket with many pockets, leather boots",
    "girl": "a yellow raincoat over dungarees, red wellington boots",
    "boy": "a green hooded jacket, patched jeans, worn sneakers",
    "robot": "no clothing; a dented white chassis with one blue status light on the chest",
    "painter": "a paint-spattered smock over a striped shirt",
    "engineer": "grease-stained blue overalls, a tool belt, work gloves",
    "doctor": "a pale blue scrub top under a white coat",
    "thief": "a dark hooded jacket, fingerless gloves, soft-soled shoes",
    "witch": "a long patched velvet coat in deep purple, many rings",
    "soldier": "a battered olive field uniform and webbing",
    "diver": "a black wetsuit with yellow stripes, a mask pushed up on the forehead",
    "climber": "a red shell jacket, a harness hung with carabiners",
}
YOUNG = frozenset(("girl", "boy", "child", "kid"))
HAIR = (
    "short cropped black hair", "shoulder-length auburn hair tied back", "a shaved head",
    "curly dark brown hair", "grey hair in a low bun", "straight blond hair to the jaw",
    "short silver hair",
)  # fmt: skip
FACES = (
    "a weathered face, grey eyes, a small scar on the chin",
    "a round face, dark brown eyes, freckles",
    "sharp cheekbones, deep-set green eyes",
    "a broad face with laugh lines, hazel eyes",
    "a narrow face, thick dark eyebrows, brown eyes",
)  # fmt: skip
BUILDS = ("lean and wiry", "broad-shouldered", "slight and quick", "tall and rangy",
          "sturdy and compact")  # fmt: skip
AGES = ("late 20s", "early 30s", "mid-30s", "early 40s", "about 50")


@dataclass(frozen=True)
class Place:
    """A kind of place: two sets (name, lighting, materials, palette, atmosphere), a prop and the
    role of someone who might turn up there."""

    words: tuple[str, ...]
    sets: tuple[tuple[str, str, str, str, str], ...]
    prop: tuple[str, str]
    ally: str


PLACES_BY_KIND: dict[str, Place] = {
    "moon": Place(
        ("moon", "lunar", "crater"),
        (
            ("Lunar plain", "hard white sunlight from a low angle, a pitch-black sky",
             "fine grey regolith, pitted basalt boulders", "ash grey, bone white, black",
             "airless silence, dust that settles slowly"),
            ("Crater floor", "deep shadow cut by one bright rim of sunlight",
             "cracked basalt, glassy impact beads", "charcoal, silver, a blue Earth on the horizon",
             "still and enclosed, the horizon close"),
        ),
        ("Oxygen gauge", "a wrist-mounted oxygen gauge with a cracked glass face"),
        "rescue pilot",
    ),
    "mars": Place(
        ("mars", "martian"),
        (
            ("Red dune field", "butterscotch daylight through thin dusty air",
             "rust-red sand, wind-cut rock", "rust, ochre, pale pink sky",
             "thin wind, fine dust always moving"),
            ("Habitat dome", "cool white panels and warm task lamps",
             "curved composite walls, steel grating, sealed hatches", "white, steel grey, amber",
             "humming fans, recycled air"),
        ),
        ("Supply crate", "a dented aluminium supply crate with faded stencils"),
        "supply pilot",
    ),
    "space": Place(
        ("space", "station", "spaceship", "starship", "orbit"),
        (
            ("Station corridor", "cold strip lights and blinking status panels",
             "brushed aluminium, cable bundles, handholds", "steel grey, cyan, warning orange",
             "constant low hum, weightless drift"),
            ("Observation deck", "starlight and the glow of a planet below",
             "curved glass, padded rails", "black, deep blue, planet white", "hushed and vast"),
        ),
        ("Radio handset", "a handheld radio with a coiled cord and a cracked casing"),
        "station engineer",
    ),
    "nature": Place(
        ("nature", "garden", "flowers", "flower", "plants", "plant", "seeds", "moss", "green"),
        (
            ("Hidden garden", "soft diffuse light falling through leaves",
             "moss, damp soil, young ferns, small white flowers", "deep greens, soft yellow, "
             "earth brown", "still and humid, alive with small sounds"),
            ("Overgrown hollow", "dappled light and drifting pollen",
             "tangled roots, wet stones, broad leaves", "emerald, moss green, gold",
             "quiet, dripping water"),
        ),
        ("Seedling", "a single green seedling in a dented metal cup"),
        "botanist",
    ),
    "forest": Place(
        ("forest", "woods", "jungle", "trees", "grove"),
        (
            ("Old-growth forest", "shafts of morning light through the canopy",
             "mossy trunks, ferns, fallen logs", "deep green, bark brown, misty blue",
             "birdsong and creaking branches"),
            ("Forest clearing", "open sky over a ring of tall trees",
             "long grass, a mossy stone circle", "sage, gold, soft grey", "calm and watchful"),
        ),
        ("Lantern", "an old brass lantern with a soot-darkened glass"),
        "forest ranger",
    ),
    "lighthouse": Place(
        ("lighthouse", "coast", "cliff", "cliffs", "harbour", "harbor"),
        (
            ("Lighthouse lamp room", "the great lamp turning, beams sweeping the glass",
             "brass fittings, thick glass panes, iron stairs", "brass, slate grey, storm blue",
             "rattling windows, wind against the tower"),
            ("Cliff path", "low storm light breaking through cloud",
             "wet rock, sea grass, a rusted railing", "slate, foam white, dark green",
             "spray, gusts and roaring surf"),
        ),
        ("Logbook", "a salt-stained logbook with a leather strap"),
        "fisher",
    ),
    "ocean": Place(
        ("ocean", "sea", "beach", "shore", "island", "waves", "reef"),
        (
            ("Open sea", "bright sun glittering on swells", "endless water, floating kelp",
             "turquoise, deep navy, white foam", "salt wind and slapping waves"),
            ("Rocky shore", "soft overcast light", "black rocks, tide pools, driftwood",
             "grey, sea green, sand", "gulls crying over the surf"),
        ),
        ("Brass compass", "a brass compass with a scratched lid"),
        "fisher",
    ),
    "desert": Place(
        ("desert", "dunes", "dune", "sand", "canyon", "oasis"),
        (
            ("Dune sea", "blinding noon sun, heat shimmer", "rippled sand, bleached stones",
             "gold, ochre, pale blue", "dry wind hissing over the sand"),
            ("Canyon shade", "reflected warm light in deep shade",
             "layered red rock, a trickle of water", "terracotta, rose, shadow violet",
             "cool and echoing"),
        ),
        ("Water flask", "a dented steel water flask wrapped in cloth"),
        "nomad guide",
    ),
    "mountain": Place(
        ("mountain", "mountains", "peak", "snow", "glacier", "ice", "arctic"),
        (
            ("Snowfield", "flat white light under low cloud", "deep snow, blue ice, black rock",
             "white, ice blue, charcoal", "biting wind, muffled silence"),
            ("Summit ridge", "clear thin sunlight above the clouds",
             "wind-packed snow, frost-covered rock", "white, cobalt sky, gold",
             "vast and still"),
        ),
        ("Ice axe", "a steel ice axe with a worn leather grip"),
        "mountain guide",
    ),
    "city": Place(
        ("city", "street", "streets", "town", "downtown", "alley", "rooftop", "neon"),
        (
            ("Rain-slick street", "neon signs reflected in puddles", "wet asphalt, brick, glass",
             "magenta, teal, sodium orange", "rain, distant traffic, steam from grates"),
            ("Rooftop", "city glow from below, a hazy sky", "tar paper, water tanks, antennas",
             "violet, amber, concrete grey", "wind and far-off sirens"),
        ),
        ("Umbrella", "a black umbrella with one bent spoke"),
        "street musician",
    ),
    "interior": Place(
        ("bar", "restaurant", "diner", "cafe", "kitchen", "bakery", "shop", "house", "home",
         "apartment", "cabin", "room", "attic", "lab", "laboratory", "workshop", "library"),
        (
            ("Small kitchen", "warm lamplight and steam", "worn wood counters, copper pots, tiles",
             "honey, copper, cream", "simmering pots, a ticking clock"),
            ("Back room", "one bare bulb and light through a window",
             "stacked crates, shelves, a workbench", "dusty brown, amber, pale green",
             "quiet, cluttered, lived-in"),
        ),
        ("Notebook", "a battered notebook full of sketches and lists"),
        "neighbour",
    ),
    "open": Place(
        (),
        (
            ("Open country", "clear daylight and moving cloud shadows",
             "long grass, a dirt road, a lone fence", "green, straw, sky blue",
             "wind in the grass"),
            ("Old road", "late-afternoon light", "cracked tarmac, wildflowers, a rusted sign",
             "gold, grey, dusty green", "quiet, insects humming"),
        ),
        ("Backpack", "a faded canvas backpack with a broken buckle"),
        "old friend",
    ),
}  # fmt: skip
NIGHT = frozenset(("night", "midnight", "nighttime", "dark", "darkness", "stars", "starry"))
DUSK = frozenset(("dusk", "sunset", "sunrise", "dawn", "twilight", "evening"))
VERB_BASES = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "discover find befriend open walk wander search meet fight escape build learn explore save "
        "steal chase lose follow protect return rescue travel cross climb hunt uncover investigate "
        "face defend win join leave race repair fix grow plant teach help sail fly solve survive "
        "confront seek guard run hide wake inherit deliver cook start play sing paint train adopt "
        "track tame catch free restore unlock decode dig reach heal revive capture outwit rebuild "
        "bring drift swim roam hike visit love"
    ).split()
)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


MOTION = _wordset("walk wander run climb sail fly travel roam explore drift swim hike")
PARTICLES = _wordset("around about away off out through along")
PREPOSITIONS = _wordset("on in at across under inside beneath through near over into from")
ARTICLES = frozenset(("a", "an", "the"))
BEATS = (("setup", 1.5), ("inciting", 1.0), ("rising", 2.5), ("turn", 1.0), ("climax", 2.0),
         ("resolution", 1.0))  # fmt: skip


def _base(word: str) -> str | None:
    for candidate in (word, word[:-1], word[:-2], word[:-3] + "y"):
        if candidate in VERB_BASES and len(candidate) > 2:
            return candidate
    return None


def _third_person(base: str) -> str:
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _a(phrase: str) -> str:
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}" if phrase else phrase


PREP_FOR = {"moon": "on", "mars": "on", "mountain": "on", "lighthouse": "at", "ocean": "at"}


def _definite(phrase: str) -> str:
    words = phrase.split()
    if words and words[0].lower() in ("a", "an"):
        return " ".join(["the", *words[1:]])
    return phrase


def _title_case(text: str) -> str:
    small = ARTICLES | PREPOSITIONS | {"and", "of"}
    words = text.split()
    return " ".join(
        w if w[:1].isupper() else (w if k and w in small else w[:1].upper() + w[1:])
        for k, w in enumerate(words)
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


@dataclass(frozen=True)
class Idea:
    """What a one-sentence idea gives a story: who, where, doing what to what."""

    text: str
    role: str  # "stranded astronaut"
    role_noun: str  # "astronaut"
    duo: bool  # "two rival chefs": two protagonists of the same role
    name: str | None  # a name written in the idea
    place: str  # "the moon"
    at_place: str  # "on the moon"
    kinds: tuple[str, ...]  # place kinds, where the story starts first, what it reaches last
    motion: str  # "walks around"
    verb: str  # "discovers"
    obj: str  # "nature", "a storm"
    night: bool
    dusk: bool
    language: str = "en"  # what the story is told in (shotline.language codes)

    @property
    def obj_ref(self) -> str:
        return _definite(self.obj)


# Ideas in scripts without spaces between words cannot be parsed like English; these words, found
# anywhere in the text, give the role and the kind of place (the sets stay English descriptions:
# they are image prompts).
ROLE_WORDS = {
    "astronaut": ("宇宙飛行士", "رائد فضاء", "رائدة فضاء", "رائد الفضاء"),
    "pilot": ("パイロット", "飛行士", "طيار"),
    "chef": ("料理人", "シェフ", "طاه", "طباخ"),
    "detective": ("探偵", "刑事", "محقق"),
    "keeper": ("灯台守", "حارس المنارة"),
    "scientist": ("科学者", "研究者", "عالم", "عالمة"),
    "sailor": ("船乗り", "水夫", "بحار"),
    "farmer": ("農夫", "農家", "مزارع"),
    "gardener": ("庭師", "بستاني"),
    "knight": ("騎士", "فارس"),
    "robot": ("ロボット", "روبوت"),
    "explorer": ("探検家", "مستكشف"),
    "girl": ("少女", "女の子", "فتاة", "بنت"),
    "boy": ("少年", "男の子", "صبي", "ولد"),
    "musician": ("音楽家", "ミュージシャン", "موسيقي"),
    "doctor": ("医者", "医師", "طبيب"),
    "painter": ("画家", "رسام"),
}
PLACE_WORDS = {
    "moon": ("月", "القمر", "قمر"),
    "mars": ("火星", "المريخ"),
    "space": ("宇宙", "宇宙船", "ステーション", "الفضاء", "محطة فضائية"),
    "nature": ("自然", "庭", "花", "緑", "植物", "الطبيعة", "حديقة", "زهور", "نبات"),
    "forest": ("森", "林", "غابة"),
    "lighthouse": ("灯台", "منارة"),
    "ocean": ("海", "浜", "島", "بحر", "شاطئ", "جزيرة"),
    "desert": ("砂漠", "صحراء"),
    "mountain": ("山", "雪", "氷", "جبل", "ثلج"),
    "city": ("街", "都市", "町", "مدينة", "شارع"),
    "interior": ("部屋", "台所", "家", "店", "مطبخ", "بيت", "غرفة", "مطعم"),
}


def _read_other_script(text: str, language: str) -> Idea:
    """An idea in Japanese, Arabic...: its role and places from the word tables above."""
    rest = text
    role = "wanderer"
    for noun, words in ROLE_WORDS.items():
        if any(w in rest for w in words):
            role = noun
            for w in words:
                rest = rest.replace(w, " ")  # "宇宙飛行士" is no "宇宙" (space) to go to
            break
    found = sorted(
        (min(rest.find(w) for w in words if w in rest), kind)
        for kind, words in PLACE_WORDS.items()
        if any(w in rest for w in words)
    )
    kinds = tuple(kind for _, kind in found) or ("open",)
    places = {"moon": "the moon", "mars": "Mars", "space": "the station", "ocean": "the sea",
              "city": "the city", "interior": "the house"}  # fmt: skip
    place = places.get(kinds[0], f"the {kinds[0]}")
    return Idea(
        text=text, role=role, role_noun=role, duo=False, name=None, place=place,
        at_place=f"{PREP_FOR.get(kinds[0], 'in')} {place}", kinds=kinds,
        motion="walks on", verb="finds", obj=kinds[-1] if len(kinds) > 1 else "a secret",
        night=any(w in text for w in ("夜", "星", "ليل", "نجوم")), dusk=False, language=language,
    )  # fmt: skip


def read_idea(text: str) -> Idea:
    language = language_of(text)
    if language != "en":
        return _read_other_script(text, language)
    tokens = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    low = [t.lower() for t in tokens]
    # who: the first role word, with up to two describing words before it
    role_at = next((k for k, w in enumerate(low) if w in ROLES or w.rstrip("s") in ROLES), None)
    if role_at is None:
        role_at = next((k for k, w in enumerate(low) if w not in STOP_WORDS and len(w) > 2), None)
    role_noun = low[role_at] if role_at is not None else "wanderer"
    duo = role_noun.endswith("s") and role_noun.rstrip("s") in ROLES
    role_noun = role_noun.rstrip("s") if duo else role_noun
    start = role_at if role_at is not None else 0
    while (
        start > 0 and start > (role_at or 0) - 2 and low[start - 1] not in STOP_WORDS | PREPOSITIONS
    ):
        if _base(low[start - 1]):  # "... walks astronaut" is no role
            break
        start -= 1
    role = " ".join([*low[start : (role_at or 0)], role_noun]) if role_at is not None else role_noun
    # doing what: the last verb with an object after it; a motion verb for the journey
    verbs = [(k, b) for k, w in enumerate(low) if k != role_at and (b := _base(w)) is not None]
    motion = "keeps to the routine"
    for k, b in verbs:
        if b in MOTION:
            particle = low[k + 1] if k + 1 < len(low) and low[k + 1] in PARTICLES else ""
            motion = " ".join(p for p in (_third_person(b), particle) if p)
            break
    verb, obj, obj_span = "finds", "a secret", range(0)
    for k, b in reversed(verbs):
        end = k + 1
        while end < len(low) and low[end] not in PREPOSITIONS | {"and", "but", "while"}:
            end += 1
        if end > k + 1 and not all(w in ARTICLES for w in low[k + 1 : end]):
            verb, obj, obj_span = _third_person(b), " ".join(tokens[k + 1 : end]), range(k + 1, end)
            break
    place_words = {w for p in PLACES_BY_KIND.values() for w in p.words}
    if (
        verb != "finds"
        and _base(low[obj_span.start - 1]) in MOTION
        and place_words & set(low[obj_span.start : obj_span.stop])
    ):  # "wanders the city": the city is where, not what is found
        motion, verb, obj, obj_span = f"{verb} {obj}", "finds", "a secret", range(0)
    # where: place words in order; the one in the object (the thing reached) comes last
    found: list[tuple[int, str]] = []
    for k, w in enumerate(low):
        kind = next((n for n, p in PLACES_BY_KIND.items() if w in p.words), None)
        if kind and kind not in [f[1] for f in found]:
            found.append((k + (1000 if k in obj_span else 0), kind))
    found.sort()
    kinds = tuple(kind for _, kind in found) or ("open",)
    place, at_place = "the open country", "in the open country"
    spots = [k for k in range(len(low)) if k not in obj_span] + list(obj_span)
    for k in spots:  # outside the object first: "opens a noodle bar on Mars" happens on Mars
        w = low[k]
        if w not in PLACES_BY_KIND[kinds[0]].words:
            continue
        before = k - 1
        article = low[before] if before >= 0 and low[before] in ARTICLES else ""
        prep_at = before - 1 if article else before
        prep = low[prep_at] if prep_at >= 0 and low[prep_at] in PREPOSITIONS else ""
        noun = tokens[k] if tokens[k][0].isupper() and k > 0 else w
        place = _definite(f"{article} {noun}".strip()) if article else noun
        at_place = f"{prep or PREP_FOR.get(kinds[0], 'in')} {place}"
        break
    capitalised = [t for k, t in enumerate(tokens) if k > 0 and t[0].isupper()]
    names = [t for t in capitalised if t.lower() not in place_words and t.lower() not in STOP_WORDS]
    words = set(low)
    return Idea(
        text=text,
        role=role,
        role_noun=role_noun,
        duo=duo,
        name=names[0] if names else None,
        place=place,
        at_place=at_place,
        kinds=kinds,
        motion=motion,
        verb=verb,
        obj=obj,
        night=bool(words & NIGHT),
        dusk=bool(words & DUSK),
    )


def beat_of(number: int, total: int) -> tuple[str, int, int]:
    """(beat, occurrence within it, segments in it) for segment ``number`` (1-based)."""

    def beat(n: int) -> str:
        if total == 1:
            return "climax"
        weight = sum(w for _, w in BEATS)
        mark = (n - 0.5) / total * weight
        for name, w in BEATS:
            if mark < w:
                return name
            mark -= w
        return BEATS[-1][0]

    mine = beat(number)
    same = [n for n in range(1, total + 1) if beat(n) == mine]
    return mine, same.index(number), len(same)


class StoryDraft:
    """Answers the story writer's three steps from the idea, deterministically per seed."""

    def __init__(self, context: Mapping[str, Any], fallback_idea: str, seed: int) -> None:
        self.context = context
        self.idea = read_idea(str(context.get("idea") or fallback_idea or "a wanderer"))
        self.rng = random.Random(stable_int("story", seed, self.idea.text))
        self.cast = self.rng.sample(CAST, k=3)

    def answer(self, step: str) -> dict[str, Any]:
        if step == "shotline.outline":
            return self.outline()
        if step == "shotline.appearance":
            return self.appearance()
        return self.segment()

    # -- outline ---------------------------------------------------------------------------

    def characters(self) -> list[dict[str, Any]]:
        idea = self.idea
        (lead, lead_voice), (second, second_voice) = self.cast[0], self.cast[1]
        lead = idea.name or lead
        ids = (_slug(lead), _slug(second))
        lead, second = (NAMES_IN.get(n, {}).get(idea.language, n) for n in (lead, second))
        if idea.role_noun in YOUNG:
            lead_voice = "child"
        elif {"old", "elderly", "aging", "retired"} & set(idea.role.split()):
            lead_voice = "elder"
        moods = self.rng.sample(PERSONALITIES, k=2)
        ally_role = idea.role if idea.duo else PLACES_BY_KIND[idea.kinds[0]].ally
        return [
            {"id": ids[0], "name": lead, "role": idea.role, "personality": moods[0],
             "voice": lead_voice},
            {"id": ids[1], "name": second, "role": ally_role, "personality": moods[1],
             "voice": second_voice},
        ]  # fmt: skip

    def environments(self) -> list[dict[str, Any]]:
        first = PLACES_BY_KIND[self.idea.kinds[0]]
        sets = list(first.sets[:2]) + [PLACES_BY_KIND[k].sets[0] for k in self.idea.kinds[1:]]
        if len(self.idea.kinds) > 1:  # the last set is where the story arrives
            sets = [sets[0], sets[1], sets[-1]]
        out = []
        for name, lighting, materials, palette, atmosphere in sets:
            if self.idea.night:
                lighting = f"night: cold blue moonlight and starlight, {lighting.split(',')[0]}"
            elif self.idea.dusk:
                lighting = f"low golden dusk light, long shadows, {lighting.split(',')[0]}"
            fields = (name, lighting, materials, palette, atmosphere)
            keys = ("name", "lighting", "materials", "palette", "atmosphere")
            out.append({"id": _slug(name), **dict(zip(keys, fields, strict=True))})
        return out

    def props(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for kind in self.idea.kinds[:2]:
            name, description = PLACES_BY_KIND[kind].prop
            if _slug(name) not in [p["id"] for p in out]:
                out.append({"id": _slug(name), "name": name, "description": description})
        return out

    def outline(self) -> dict[str, Any]:
        idea = self.idea
        total = max(1, int(self.context.get("segments") or 10))
        cast = self.characters()
        lead = cast[0]["name"]
        sets = self.environments()
        scenes_n = min(3, total)
        edge = max(1, round(total * 0.3))  # act one and act three; the middle takes the rest
        counts = {1: [1], 2: [1, 1], 3: [edge, total - 2 * edge, edge]}[scenes_n]
        ids = ("opening", "journey", "ending")
        summaries = (
            f"{lead}, {_a(idea.role)}, alone {idea.at_place}; a first sign of {idea.obj}.",
            f"The search for {idea.obj_ref}; {lead} understands it is real.",
            f"{lead} {idea.verb} {idea.obj}; what changes afterwards.",
        )
        scenes = [
            {"id": ids[k] if scenes_n == 3 else f"part-{k + 1}",
             "environment": sets[min(k, len(sets) - 1)]["id"],
             "summary": summaries[k if scenes_n == 3 else (0 if k == 0 else 2)],
             "segments": count}
            for k, count in enumerate(counts)
        ]  # fmt: skip
        titles = [_title_case(f"the {idea.role_noun} and {idea.obj_ref}")]
        if idea.kinds[0] != "open":
            titles.append(_title_case(f"{idea.obj} {idea.at_place}"))
        style = self.context.get("style") or (
            "cinematic live action, anamorphic 35mm look, naturalistic light, subtle film grain"
        )
        where = "" if idea.place.lower() in idea.obj.lower() else f" {idea.at_place}"
        restated = idea.text.rstrip(".")
        logline = (
            f"{restated[:1].upper()}{restated[1:]}: {lead}, {_a(idea.role)}, {idea.verb} "
            f"{idea.obj}{where} and is changed by it."
        )
        title = self.rng.choice(titles)
        if idea.language != "en":  # the idea's own words, in its own language
            title, logline = _own_title(idea.text), idea.text
        return {
            "title": title,
            "logline": logline,
            "style": str(style),
            "narrator_voice": "narrator",
            "characters": cast,
            "environments": sets,
            "props": self.props(),
            "scenes": scenes,
        }

    # -- appearance ------------------------------------------------------------------------

    def appearance(self) -> dict[str, Any]:
        people = self.context.get("characters") or self.characters()
        out = []
        for k, person in enumerate(people):
            role = str(person.get("role", ""))
            noun = next((w for w in reversed(role.lower().split()) if w.rstrip("s") in ROLES), "")
            noun = noun.rstrip("s") if noun.rstrip("s") in ROLES else noun
            rng = random.Random(stable_int("look", self.idea.text, person.get("id"), k))
            young = noun in YOUNG
            out.append(
                {
                    "id": str(person.get("id", f"character-{k + 1}")),
                    "clothing": ROLES.get(noun, "a weathered canvas jacket, dark trousers, boots"),
                    "hair": "no hair; a smooth domed head" if noun == "robot" else rng.choice(HAIR),
                    "face": "two round camera lenses for eyes" if noun == "robot"
                    else rng.choice(FACES),
                    "build": "slight" if young else rng.choice(BUILDS),
                    "age": "about 10" if young else rng.choice(AGES),
                }
            )  # fmt: skip
        return {"characters": out}

    # -- one segment -----------------------------------------------------------------------

    def segment(self) -> dict[str, Any]:
        idea, ctx = self.idea, self.context
        number = max(1, int(ctx.get("segment") or 1))
        total = max(number, int(ctx.get("segments") or 10))
        beat, nth, count = beat_of(number, total)
        people = ctx.get("characters") or self.characters()
        lead = people[0]
        ally = people[1] if len(people) > 1 else None
        environment = ctx.get("environment") or self.environments()[0]
        props = ctx.get("props") or []
        prop = props[0] if props else None
        words = {
            "P": lead["name"],
            "A": ally["name"] if ally else "",
            "a_ally_role": _a(str(ally.get("role", ""))) if ally else "",
            "role": idea.role,
            "a_role": _a(idea.role),
            "place": idea.place,
            "Place": idea.place[:1].upper() + idea.place[1:],
            "at_place": idea.at_place,
            "here": f"the {str(environment['name']).lower()}",
            "detail": str(environment.get("materials") or "the ground").split(",")[0],
            "prop": f"the {str(prop['name']).lower()}" if prop else "the ground",
            "motion": idea.motion,
            "verb": idea.verb,
            "obj": idea.obj,
            "obj_ref": idea.obj_ref,
            "Obj_ref": idea.obj_ref[:1].upper() + idea.obj_ref[1:],
        }
        ally_here = ally is not None and (idea.duo or beat == "resolution")
        if beat == "climax":
            key = "climax" if nth == count - 1 else "crisis"
            nth = 0 if key == "climax" else nth
        else:
            key = beat
        if key == "resolution" and ally_here and not idea.duo:
            key = "reunion"
        narration, action, camera, lines = STORY[key][nth % len(STORY[key])]
        told = TOLD_IN.get(idea.language)
        if told is not None:  # what is said in the idea's language; the pictures stay English
            narration, lines = told[key][nth % len(told[key])]
        if idea.language != "en" and number == 1:
            narration = idea.text.replace("{", "{{").replace("}", "}}")  # the idea's own words
        if number == total:
            camera = "wide"  # the closing shot
        if number == 1:
            camera = "wide"  # the establishing shot
        if idea.duo and ally is not None and not lines and beat == "rising" and nth == 0:
            lines = (("A", "We only get one chance at this."), ("P", "Then let's not waste it."))
        dialogue = [
            {"speaker": (lead if who == "P" else ally or lead)["id"], "text": text.format(**words)}
            for who, text in lines
        ]
        cast = [lead["id"]] + ([ally["id"]] if ally_here and ally else [])
        for line in dialogue:
            if line["speaker"] not in cast:
                cast.append(line["speaker"])
        return {
            "narration": narration.format(**words),
            "action": action.format(**words),
            "dialogue": dialogue,
            "characters": cast,
            "props": [prop["id"]] if prop and "{prop}" in action else [],
            "camera": camera,
        }


# beat -> variants of (narration, action, camera, dialogue lines as (P|A, text))
Beat = tuple[str, str, str, tuple[tuple[str, str], ...]]
STORY: dict[str, tuple[Beat, ...]] = {
    "setup": (
        ("This is {place}. {P}, {a_role}, has stopped expecting anything new.",
         "{P} crosses {here} on foot, a small shape against {detail}.", "wide", ()),
        ("Every day {P} {motion}, checks {prop} and waits.",
         "{P} kneels to check {prop}, then looks out over {here}.", "medium", ()),
    ),
    "inciting": (
        ("Then, among the {detail}, something that should not be there: a first sign of {obj}.",
         "{P} stops short and crouches over a small sign of {obj} among the {detail}.", "close-up",
         (("P", "That shouldn't be here."),)),
        ("{P} cannot let it go. If {obj_ref} is real, everything about {place} is different.",
         "{P} stands, stares at the horizon, then sets off in a new direction.", "medium", ()),
    ),
    "rising": (
        ("{P} goes further than ever before, following the trail toward {obj_ref}.",
         "{P} climbs over rough ground across {here}, following the trail.", "wide", ()),
        ("The way grows harder. {Place} gives nothing easily, and {P} holds on to {prop}.",
         "{P} pushes on, breathing hard, one hand on {prop}.", "medium", ()),
        ("{P} talks out loud to stay steady, and keeps going.",
         "{P} pauses to catch breath, looks back once, then keeps walking.", "full", ()),
    ),
    "turn": (
        ("Halfway there, {P} understands: {obj_ref} is not a mistake or a dream. It is real.",
         "{P} reaches the edge of {here} and sees {obj_ref} clearly for the first time.",
         "close-up", (("P", "It's real. {Obj_ref} is real."),)),
        ("The question changes: not how to leave {place}, but what it would mean to stay.",
         "{P} turns back toward the way home, hesitates, and turns again.", "wide", ()),
    ),
    "crisis": (
        ("Everything is at stake now. {P} risks the way back to reach {obj_ref}.",
         "{P} scrambles down a steep slope toward {obj_ref}, slips, and catches hold.", "medium",
         ()),
    ),
    "climax": (
        ("At last {P} {verb} {obj}, and for a long moment does not move at all.",
         "{P} kneels before {obj_ref} and slowly reaches out to touch it.", "close-up",
         (("P", "This is it. This is really it."),)),
    ),
    "resolution": (
        ("{P} looks back across {here}. {Place} is the same, but {P} is not.",
         "{P} sits beside {obj_ref} as the light slowly changes over {here}.", "wide", ()),
    ),
    "reunion": (
        ("When {A}, {a_ally_role}, arrives {at_place}, {P} is no longer the {role} who began "
         "this story.",
         "{A} steps into view behind {P}; together they look at {obj_ref}.", "over-the-shoulder",
         (("A", "{P}? We've come to take you home."), ("P", "Wait. Look at this first."))),
    ),
}  # fmt: skip


def _own_title(text: str) -> str:
    """A title from the idea's own words: all of them when short, else its first clause."""
    whole = text.strip().rstrip("。.!?！？")
    if len(whole) <= 40:
        return whole
    clause = re.split(r"[。、,.،؛!?！？]", whole)[0].strip() or whole
    if len(clause) <= 40:
        return clause
    cut = clause[:40].rsplit(" ", 1)[0] if " " in clause[:40] else clause[:39]  # whole words
    return cut.rstrip() + "…"


# The cast's names as Japanese and Arabic write them.
NAMES_IN: dict[str, dict[str, str]] = {
    "Mara": {"ja": "マラ", "ar": "مارا"}, "Theo": {"ja": "テオ", "ar": "ثيو"},
    "Ines": {"ja": "イネス", "ar": "إينيس"}, "Jonah": {"ja": "ジョナ", "ar": "يونس"},
    "Asha": {"ja": "アシャ", "ar": "آشا"}, "Felix": {"ja": "フェリックス", "ar": "فيليكس"},
    "Noor": {"ja": "ヌール", "ar": "نور"}, "Ravi": {"ja": "ラヴィ", "ar": "رافي"},
    "Lena": {"ja": "レナ", "ar": "لينا"}, "Oskar": {"ja": "オスカー", "ar": "أوسكار"},
    "Yuki": {"ja": "ユキ", "ar": "يوكي"}, "Silas": {"ja": "サイラス", "ar": "سايلاس"},
}  # fmt: skip

# beat -> (narration, dialogue) in the idea's language, parallel to STORY's variants. The first
# segment's narration is the idea itself. Arabic lines use the masculine forms throughout.
Told = dict[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]
TOLD_IN: dict[str, Told] = {
    "ja": {
        "setup": (("{P}は、もう何も新しいことを期待していなかった。", ()),
                  ("{P}の毎日は、いつも同じだった。", ())),
        "inciting": (("そのとき、{P}は思いがけないものに気づく。",
                      (("P", "ここにあるはずがない。"),)),
                     ("{P}はもう、それを見過ごせない。", ())),
        "rising": (("{P}は、これまでより遠くへ進んでいく。", ()),
                   ("道はますます険しくなる。それでも{P}は歩き続ける。", ()),
                   ("{P}は声に出して自分を励まし、前へ進む。", ())),
        "turn": (("{P}は悟る。これは夢ではない。", (("P", "本物だ。"),)),
                 ("問いが変わる。ここを去るべきか、それとも残るべきか。", ())),
        "crisis": (("すべてが懸かっている。{P}は帰り道を危険にさらして進む。", ()),),
        "climax": (("ついに{P}はそれを見つけ、しばらく動けなかった。",
                    (("P", "これだ。本当にこれなんだ。"),)),),
        "resolution": (("{P}は振り返る。景色は同じでも、{P}はもう同じではない。", ()),),
        "reunion": (("{A}がやって来たとき、{P}はもう、旅を始めたときの{P}ではなかった。",
                     (("A", "{P}、迎えに来たよ。"), ("P", "待って。先にこれを見て。"))),),
    },
    "ar": {
        "setup": (("لم يعد {P} ينتظر أي شيء جديد.", ()),
                  ("كانت أيام {P} متشابهة دائمًا.", ())),
        "inciting": (("ثم يلاحظ {P} شيئًا لا ينبغي أن يكون هنا.",
                      (("P", "هذا لا ينبغي أن يكون هنا."),)),
                     ("لم يعد {P} قادرًا على تجاهل الأمر.", ())),
        "rising": (("يمضي {P} أبعد من أي وقت مضى.", ()),
                   ("يصبح الطريق أصعب، لكن {P} يواصل السير.", ()),
                   ("يحدّث {P} نفسه بصوت عالٍ ليبقى ثابتًا، ويمضي قدمًا.", ())),
        "turn": (("يدرك {P} الآن أن هذا ليس حلمًا.", (("P", "إنه حقيقي."),)),
                 ("يتغير السؤال: هل يرحل، أم يبقى؟", ())),
        "crisis": (("كل شيء على المحك الآن، ويخاطر {P} بطريق العودة.", ()),),
        "climax": (("وأخيرًا يجده {P}، ولا يتحرك للحظة طويلة.",
                    (("P", "هذا هو. إنه حقًا هو."),)),),
        "resolution": (("ينظر {P} إلى الوراء. المكان كما هو، لكن {P} لم يعد كما كان.", ()),),
        "reunion": (("حين يصل {A}، لا يعود {P} كما كان في بداية هذه القصة.",
                     (("A", "{P}؟ جئنا لنعيدك إلى البيت."), ("P", "انتظر. انظر إلى هذا أولًا."))),),
    },
}  # fmt: skip


def story_context(request: WriterRequest) -> dict[str, Any]:
    """The story writer's context: the last fenced JSON object with an ``idea`` (user messages)."""
    for message in reversed(request.messages):
        if message.role != "user":
            continue
        for block in reversed(re.findall(r"```(?:json)?\s*(.*?)```", message.content, re.DOTALL)):
            try:
                value = json.loads(block)
            except ValueError:
                continue
            if isinstance(value, dict) and "idea" in value:
                return value
    return {}
