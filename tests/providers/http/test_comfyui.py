"""ComfyUI against the fake: workflow templates, queue states, history, /view, cancel, /free."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shotline.providers.contracts import ImageRequest, PollState, RemoteProvider, SimpleContext
from shotline.providers.errors import CapabilityError, ProviderFailed, TransientError
from shotline.providers.http.comfyui import TXT2IMG, ComfyUIProvider, WorkflowTemplate
from tests.providers.http.conftest import drive, poll_until_final, quick
from tests.providers.http.fakes import ComfyFake


@pytest.fixture
def comfy(comfy_fake: ComfyFake) -> Iterator[ComfyUIProvider]:
    provider = ComfyUIProvider(base_url=comfy_fake.url, sleep=lambda s: None, **quick())
    yield provider
    provider.close()


def test_template_render_keeps_types() -> None:
    template = WorkflowTemplate(
        "t",
        {"1": {"inputs": {"seed": "{{seed}}", "text": "a {{prompt}}, {{ style }}", "n": 3}}},
        {"style": "noir"},
    )
    assert template.placeholders() == {"seed", "prompt", "style"}
    rendered = template.render({"seed": 42, "prompt": "cat"})
    assert rendered == {"1": {"inputs": {"seed": 42, "text": "a cat, noir", "n": 3}}}
    assert template.workflow["1"]["inputs"]["seed"] == "{{seed}}"  # the template is untouched
    with pytest.raises(CapabilityError, match="seed"):
        template.render({"prompt": "cat"})


def test_template_from_path(tmp_path: Path) -> None:
    path = tmp_path / "upscale.json"
    path.write_text(json.dumps({"1": {"inputs": {"w": "{{width}}"}}}))
    template = WorkflowTemplate.load(path)
    assert template.name == "upscale"
    assert template.render({"width": 640}) == {"1": {"inputs": {"w": 640}}}
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(CapabilityError):
        WorkflowTemplate.load(tmp_path / "bad.json")
    with pytest.raises(CapabilityError):
        WorkflowTemplate.load(tmp_path / "missing.json")


def test_info(comfy: ComfyUIProvider) -> None:
    assert isinstance(comfy, RemoteProvider)
    assert comfy.info.queue == "local-gpu"
    assert comfy.info.model_type == "image"


def test_end_to_end(comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext) -> None:
    request = ImageRequest(prompt="a red door", width=1024, height=576, seed=42)
    prompt_id, polls, output = drive(comfy, request, ctx)

    (post,) = comfy_fake.requests("POST", "/prompt")
    assert post.json["client_id"] == comfy.client_id
    workflow = post.json["prompt"]
    assert workflow["6"]["inputs"]["text"] == "a red door"
    assert workflow["3"]["inputs"]["seed"] == 42
    assert workflow["5"]["inputs"] == {"width": 1024, "height": 576, "batch_size": 1}
    assert workflow["4"]["inputs"]["ckpt_name"] == TXT2IMG.defaults["checkpoint"]

    assert [p.state for p in polls] == [
        PollState.QUEUED,
        PollState.RUNNING,
        PollState.RUNNING,
        PollState.DONE,
    ]
    assert polls[0].queue_position == 0
    (view,) = comfy_fake.requests("GET", "/view")
    assert view.query == {"filename": ["shotline_00001_.png"], "type": ["output"]}
    assert output.path is not None and output.path.read_bytes() == comfy_fake.image
    assert output.path.parent == ctx.workdir
    assert (output.width, output.height, output.mime) == (1024, 576, "image/png")
    assert output.metadata["request_id"] == prompt_id


def test_random_seed_when_none_given(comfy_fake: ComfyFake, comfy: ComfyUIProvider) -> None:
    workflow, seed = comfy.workflow(ImageRequest(prompt="x"))
    assert isinstance(seed, int) and workflow["3"]["inputs"]["seed"] == seed


def test_execution_error(comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext) -> None:
    comfy_fake.outcomes.append("error")
    request = ImageRequest(prompt="x", seed=1)
    prompt_id = comfy.submit(request, ctx)
    final = poll_until_final(comfy, prompt_id)
    assert final.state is PollState.FAILED
    assert final.error == "KSampler: CUDA out of memory"
    with pytest.raises(ProviderFailed, match="CUDA"):
        comfy.fetch(prompt_id, request, ctx)


def test_invalid_workflow(
    comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext
) -> None:
    comfy_fake.push("prompt", "invalid")
    with pytest.raises(CapabilityError, match="failed validation"):
        comfy.submit(ImageRequest(prompt="x"), ctx)


@pytest.mark.parametrize("behaviour", ["drop", "hang", "500", "malformed"])
def test_submit_not_retried(
    comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext, behaviour: str
) -> None:
    comfy_fake.push("prompt", behaviour)
    with pytest.raises(TransientError):
        comfy.submit(ImageRequest(prompt="x"), ctx)
    assert len(comfy_fake.requests("POST", "/prompt")) == 1


def test_unknown_prompt_fails(comfy: ComfyUIProvider) -> None:
    poll = comfy.poll("nope")
    assert poll.state is PollState.FAILED and poll.error is not None


def test_poll_retries_flaky_history(
    comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext
) -> None:
    prompt_id = comfy.submit(ImageRequest(prompt="x"), ctx)
    comfy_fake.push("history", "drop", "500")
    assert comfy.poll(prompt_id).state is PollState.QUEUED


def test_cancel_running_interrupts(
    comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext
) -> None:
    prompt_id = comfy.submit(ImageRequest(prompt="x"), ctx)
    assert comfy.poll(prompt_id).state is PollState.QUEUED
    assert comfy.poll(prompt_id).state is PollState.RUNNING
    comfy.cancel(prompt_id)
    assert comfy_fake.deleted == [prompt_id]
    assert len(comfy_fake.requests("POST", "/interrupt")) == 1


def test_cancel_pending_does_not_interrupt(
    comfy_fake: ComfyFake, comfy: ComfyUIProvider, ctx: SimpleContext
) -> None:
    prompt_id = comfy.submit(ImageRequest(prompt="x"), ctx)
    comfy.cancel(prompt_id)
    assert comfy_fake.deleted == [prompt_id]
    assert comfy_fake.requests("POST", "/interrupt") == []


def test_free_vram(comfy_fake: ComfyFake, comfy: ComfyUIProvider) -> None:
    comfy.free_vram()
    (call,) = comfy_fake.requests("POST", "/free")
    assert call.json == {"unload_models": True, "free_memory": True}
