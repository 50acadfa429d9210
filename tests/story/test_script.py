from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from shotline.story import Framing, Script, ScriptError, load_script, parse_script, save_script


def problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ScriptError) as caught:
        parse_script(data, "script.yaml")
    assert str(caught.value).startswith("script.yaml: ")
    return caught.value.problems


def test_flat_segments_and_numbering(data: dict[str, Any]) -> None:
    script = parse_script(data)
    assert [s.id for s in script.segments] == ["seg01", "seg02", "seg03", "seg04"]
    assert script.scene_of(3).id == "finale" and script.scene_of(2).id == "intro"
    assert script.segments[1].camera is Framing.CLOSE_UP
    assert script.aspect_ratio == "16:9" and script.character("theo").name == "Theo"


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_round_trip(tmp_path: Path, data: dict[str, Any], suffix: str) -> None:
    script = parse_script(data)
    path = save_script(script, tmp_path / f"script{suffix}")
    assert load_script(path) == script
    text = path.read_text()
    if suffix == ".json":
        assert json.loads(text)["title"] == "Moss on the Moon"
    else:  # readable order: the model's field order, not alphabetical
        keys = list(yaml.safe_load(text))
        assert keys[:4] == ["version", "title", "logline", "style"]
        assert "keyframes" not in keys  # omitted while empty
        assert "characters: [mara, theo]" in text


def test_keyframes_round_trip(tmp_path: Path, data: dict[str, Any]) -> None:
    data["keyframes"] = [{"index": i} for i in range(5)]
    data["keyframes"][2]["prompt"] = "Mara at the rim.\nCharacters: Mara"
    script = parse_script(data)
    assert load_script(save_script(script, tmp_path / "s.yaml")) == script


def test_invalid_field_names_scene_segment_and_field(data: dict[str, Any]) -> None:
    data["scenes"][1]["segments"][0]["camera"] = "dutch angle"
    (problem,) = problems(data)
    assert problem.startswith(
        "scene 'finale', segment 4 ('seg04'): field 'camera': input should be"
    )


def test_missing_and_unknown_fields(data: dict[str, Any]) -> None:
    del data["scenes"][0]["segments"][1]["id"]
    data["characters"][1]["apperance"] = {}
    assert problems(data) == (
        "character 'theo': field 'apperance': unknown field",
        "scene 'intro', segment 2: field 'id': field required",
    )


def test_nested_field_path(data: dict[str, Any]) -> None:
    data["scenes"][1]["segments"][0]["dialogue"][0]["text"] = ""
    assert problems(data) == (
        "scene 'finale', segment 4 ('seg04'): field 'dialogue[0].text': "
        "string should have at least 1 character",
    )


def test_aspect_ratio(data: dict[str, Any]) -> None:
    data["aspect_ratio"] = "wide"
    assert problems(data) == (
        "field 'aspect_ratio': expected W:H with positive whole numbers (16:9), got 'wide'",
    )
    data["aspect_ratio"] = " 9 : 16 "
    assert parse_script(data).aspect_ratio == "9:16"


def test_duplicate_ids(data: dict[str, Any]) -> None:
    data["props"].append({"id": "gauge", "name": "Spare gauge"})
    data["scenes"][1]["segments"][0]["id"] = "seg02"
    assert problems(data) == (
        "prop 2 ('gauge'): field 'id': duplicate id 'gauge' (first used by prop 1)",
        "scene 'finale', segment 4 ('seg02'): field 'id': duplicate id 'seg02' "
        "(first used by segment 2)",
    )


def test_references_resolve(data: dict[str, Any]) -> None:
    segment = data["scenes"][1]["segments"][0]
    segment["characters"] = ["mara", "bob"]
    segment["dialogue"][0]["speaker"] = "ghost"
    segment["props"] = ["lamp"]
    data["scenes"][0]["environment"] = "lab"
    assert problems(data) == (
        "scene 'intro': field 'environment': unknown environment 'lab' (known: crater, garden)",
        "scene 'finale', segment 4 ('seg04'): field 'characters': unknown character 'bob' "
        "(known: mara, theo)",
        "scene 'finale', segment 4 ('seg04'): field 'dialogue[0].speaker': unknown character "
        "'ghost' (known: mara, theo)",
        "scene 'finale', segment 4 ('seg04'): field 'props': unknown prop 'lamp' (known: gauge)",
    )


def test_every_scene_needs_a_segment(data: dict[str, Any]) -> None:
    data["scenes"][1]["segments"] = []
    assert problems(data) == (
        "scene 'finale': field 'segments': a scene needs at least one segment "
        "(references and keyframes are made per segment)",
    )
    data["scenes"] = []
    assert problems(data) == ("field 'scenes': a script needs at least one scene",)


def test_keyframes_are_n_plus_one_in_order(data: dict[str, Any]) -> None:
    data["keyframes"] = [{"index": 0}, {"index": 1}, {"index": 2}]
    assert problems(data) == (
        "field 'keyframes': expected 5 entries (N+1 boundaries for 4 segments), got 3",
    )
    data["keyframes"] = [{"index": i} for i in (0, 1, 3, 2, 4)]
    assert problems(data)[0] == (
        "keyframe 2: field 'index': expected 2 (keyframes are listed in order 0..4), got 3"
    )


def test_sets_and_props_without_people(data: dict[str, Any]) -> None:
    data["environments"][0]["atmosphere"] = "a woman waits by the rim"
    data["environments"][1]["lighting"] = "light on Mara's helmet"
    data["props"][0]["description"] = "a gauge he always checks"
    assert problems(data) == (
        "environment 'crater' must not contain people: found 'woman' in field 'atmosphere'",
        "environment 'garden' must not contain people: found 'Mara' in field 'lighting'",
        "prop 'gauge' must not contain people: found 'he' in field 'description'",
    )


def test_no_people_is_fine(data: dict[str, Any]) -> None:
    data["environments"][0]["atmosphere"] = "no people, without a man in sight; a rose bush"
    data["characters"][0]["name"] = "Rose"
    assert parse_script(data).environments[0].atmosphere.startswith("no people")


def test_scripts_are_frozen(data: dict[str, Any]) -> None:
    script = parse_script(data)
    with pytest.raises(ValueError, match="frozen"):
        script.title = "x"  # type: ignore[misc]


def test_malformed_files(tmp_path: Path, data: dict[str, Any]) -> None:
    bad_yaml = tmp_path / "script.yaml"
    bad_yaml.write_text("title: [unclosed\n")
    with pytest.raises(ScriptError, match=r"script\.yaml: line 2, column 1: "):
        load_script(bad_yaml)
    bad_json = tmp_path / "script.json"
    bad_json.write_text('{"title": }')
    with pytest.raises(ScriptError, match=r"script\.json: line 1, column 11: Expecting value"):
        load_script(bad_json)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(ScriptError, match="expected a mapping at the top, got list"):
        load_script(listed)
    with pytest.raises(ScriptError, match="unsupported file type '.txt'"):
        load_script(tmp_path / "script.txt")


def test_error_message_names_the_file(tmp_path: Path, data: dict[str, Any]) -> None:
    data["scenes"][0]["segments"][2]["camera"] = "sideways"
    path = tmp_path / "script.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert str(caught.value).startswith(
        f"{path}: scene 'intro', segment 3 ('seg03'): field 'camera': input should be 'wide'"
    )


def test_invalid_save_keeps_the_old_file(tmp_path: Path, data: dict[str, Any]) -> None:
    script = parse_script(data)
    target = save_script(script, tmp_path / "script.yaml")
    before = target.read_bytes()
    broken = script.model_copy(update={"aspect_ratio": "wide"})  # model_copy skips validation
    scene = script.scenes[1].model_copy(update={"environment": "nowhere"})
    dangling = script.model_copy(update={"scenes": (script.scenes[0], scene)})
    for bad in (broken, dangling):
        with pytest.raises(ScriptError, match=str(target)):
            save_script(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.yaml"]  # no temp files left


def test_script_from_python(data: dict[str, Any]) -> None:
    script = Script.model_validate(copy.deepcopy(data))
    assert script == parse_script(data)
