"""Dense optical flow between two keyframes and the in-between frames it implies.

``pair_flow`` runs OpenCV's DIS (PRESET_FAST) once per direction on greyscale. DIS alone follows
motions up to about an eighth of the frame; keyframes from an image model often differ by more, so
a coarse stage first block-matches a ~64-pixel-wide thumbnail over the whole frame (with a small
penalty on long moves, so flat areas stay still) and hands DIS that field as its initial flow.

``Inbetweener`` makes frame ``t`` in (0, 1): it projects both flows forward to time ``t`` (every
pixel of the first frame lands at ``x + t * F(x)``, every pixel of the last at ``y + (1 - t) *
B(y)``; where two land on one spot the larger motion wins, as moving subjects are usually in front),
fills the holes from their neighbours (pixels that fail a forward-backward consistency check are
left out), then warps the first frame back by the flow to 0 and the last
frame by the flow to 1 with ``cv2.remap`` and blends them ``(1 - t) : t``. Projection runs on a grid
of at most ``PROJECT_SIDE`` pixels and the flows are scaled up for the remap, which keeps a 720p
frame at a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import cv2
import numpy as np
from numpy.typing import NDArray

Flow = NDArray[np.float32]  # (height, width, 2): dx, dy in pixels
Grey = NDArray[np.uint8]
RGB = NDArray[np.uint8]

COARSE_SIDE = 64  # long side of the thumbnail the coarse stage searches
COARSE_CELL = 8  # thumbnail pixels per coarse cell
COARSE_MARGIN = 4  # context around a cell in its template
COARSE_PENALTY = 0.05  # mean squared error per squared thumbnail pixel of displacement
PROJECT_SIDE = 320  # long side of the grid that flow projection runs on
_NO_MAP2 = cast(Any, None)  # remap with one two-channel map (OpenCV's stubs insist on two)


def coarse_flow(source: Grey, target: Grey) -> Flow:
    """Per-cell whole-frame block matching on thumbnails, scaled back up to a dense field."""
    height, width = source.shape
    scale = min(1.0, COARSE_SIDE / max(width, height))
    w, h = max(COARSE_CELL, round(width * scale)), max(COARSE_CELL, round(height * scale))
    small_source = cv2.resize(source, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    small_target = cv2.resize(target, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    rows, cols = max(1, round(h / COARSE_CELL)), max(1, round(w / COARSE_CELL))
    cells = np.zeros((rows, cols, 2), np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    for r in range(rows):
        y0, y1 = r * h // rows, (r + 1) * h // rows
        for c in range(cols):
            x0, x1 = c * w // cols, (c + 1) * w // cols
            top, bottom = max(0, y0 - COARSE_MARGIN), min(h, y1 + COARSE_MARGIN)
            left, right = max(0, x0 - COARSE_MARGIN), min(w, x1 + COARSE_MARGIN)
            template = small_source[top:bottom, left:right]
            errors = cv2.matchTemplate(small_target, template, cv2.TM_SQDIFF) / template.size
            dy = ys[: errors.shape[0]] - top
            dx = xs[:, : errors.shape[1]] - left
            cost = errors + COARSE_PENALTY * (dx * dx + dy * dy)
            best_y, best_x = divmod(int(np.argmin(cost)), errors.shape[1])
            cells[r, c] = (best_x - left, best_y - top)
    dense = cv2.resize(cells, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(dense / np.float32(scale), dtype=np.float32)


def dense_flow(source: Grey, target: Grey) -> Flow:
    """DIS (fast preset) from ``source`` to ``target``, started from the coarse field."""
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    initial = coarse_flow(source, target)
    flow = dis.calc(source, target, initial)
    return np.asarray(flow, dtype=np.float32)


def grey(pixels: RGB) -> Grey:
    return np.asarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def pair_flow(first: RGB, last: RGB) -> tuple[Flow, Flow]:
    """Forward (first -> last) and backward (last -> first) flow, computed once per pair."""
    a, b = grey(first), grey(last)
    return dense_flow(a, b), dense_flow(b, a)


def _shrink(flow: Flow, size: tuple[int, int]) -> Flow:
    height, width = flow.shape[:2]
    w, h = size
    if (w, h) == (width, height):
        return flow
    small = cv2.resize(flow, (w, h), interpolation=cv2.INTER_AREA)
    small[..., 0] *= w / width
    small[..., 1] *= h / height
    return np.asarray(small, dtype=np.float32)


def _grow(flow: Flow, size: tuple[int, int]) -> Flow:
    height, width = flow.shape[:2]
    w, h = size
    if (w, h) == (width, height):
        return flow
    big = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    big[..., 0] *= w / width
    big[..., 1] *= h / height
    return np.asarray(big, dtype=np.float32)


@dataclass
class Inbetweener:
    """In-between frames for one keyframe pair; flows are computed by the caller, once."""

    first: RGB
    last: RGB
    forward: Flow
    backward: Flow

    def __post_init__(self) -> None:
        height, width = self.first.shape[:2]
        self._size = (width, height)
        scale = min(1.0, PROJECT_SIDE / max(width, height))
        self._small = (max(1, round(width * scale)), max(1, round(height * scale)))
        w, h = self._small
        self._fwd = _shrink(self.forward, self._small).reshape(-1, 2)
        self._bwd = _shrink(self.backward, self._small).reshape(-1, 2)
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        self._sx, self._sy = gx.ravel(), gy.ravel()
        # Quantised motion size, for "larger motion wins" when two pixels land on one spot.
        self._fmag = np.minimum(np.hypot(self._fwd[:, 0], self._fwd[:, 1]) * 16, 2**20).astype(
            np.int64
        )
        self._bmag = np.minimum(np.hypot(self._bwd[:, 0], self._bwd[:, 1]) * 16, 2**20).astype(
            np.int64
        )
        self._valid = np.concatenate(
            [
                _consistent(self._fwd, self._bwd, self._small),
                _consistent(self._bwd, self._fwd, self._small),
            ]
        )
        grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
        self._grid = np.ascontiguousarray(np.dstack([grid_x, grid_y]), dtype=np.float32)

    def _project(self, t: float) -> tuple[Flow, Flow, NDArray[np.float32]]:
        """Flows from time ``t`` to the first and last frame, and how much the first frame should
        count at each pixel (0 where only the last frame sees it, 1 where only the first does)."""
        w, h = self._small
        n = w * h
        half = self._fwd.shape[0]
        # Candidates: first-frame pixels moved by t*F, last-frame pixels moved by (1-t)*B.
        xs = np.rint(
            np.concatenate([self._sx + t * self._fwd[:, 0], self._sx + (1 - t) * self._bwd[:, 0]])
        )
        ys = np.rint(
            np.concatenate([self._sy + t * self._fwd[:, 1], self._sy + (1 - t) * self._bwd[:, 1]])
        )
        to0 = np.concatenate([-t * self._fwd, t * self._bwd])
        to1 = np.concatenate([(1 - t) * self._fwd, -(1 - t) * self._bwd])
        magnitude = np.concatenate([self._fmag, self._bmag])
        inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h) & self._valid
        candidate = np.nonzero(inside)[0].astype(np.int64)
        target = (ys[inside] * w + xs[inside]).astype(np.int64)
        best = np.full(n, -1, np.int64)
        np.maximum.at(best, target, magnitude[inside] << 32 | candidate)
        filled = best >= 0
        winner = best[filled] & 0xFFFFFFFF
        flow0 = np.zeros((n, 2), np.float32)
        flow1 = np.zeros((n, 2), np.float32)
        flow0[filled] = to0[winner]
        flow1[filled] = to1[winner]
        # Which keyframe sees each spot at time t: disoccluded areas come from one side only.
        from_first = candidate < half
        seen0 = np.bincount(target[from_first], minlength=n) > 0
        seen1 = np.bincount(target[~from_first], minlength=n) > 0
        kernel = np.ones((3, 3), np.uint8)  # close one-pixel rounding holes
        seen0_img = cv2.dilate(seen0.reshape(h, w).astype(np.uint8), kernel).astype(np.float32)
        seen1_img = cv2.dilate(seen1.reshape(h, w).astype(np.uint8), kernel).astype(np.float32)
        weight0 = (1 - t) * seen0_img
        weight1 = t * seen1_img
        total = weight0 + weight1
        share0 = np.where(total > 0, weight0 / np.maximum(total, 1e-6), 1 - t).astype(np.float32)
        share0 = np.asarray(cv2.blur(share0, (3, 3)), dtype=np.float32)
        shape = (h, w, 2)
        known = filled.reshape(h, w)
        flow0_img = _fill(
            flow0.reshape(shape), known, (-t * self._fwd).reshape(shape).astype(np.float32)
        )
        flow1_img = _fill(
            flow1.reshape(shape), known, (-(1 - t) * self._bwd).reshape(shape).astype(np.float32)
        )
        return flow0_img, flow1_img, share0

    @property
    def explains_motion(self) -> bool:
        """Whether the flow accounts for the change between the keyframes.

        Between unrelated framings (a wide shot and a close-up) the flow is noise and warping
        smears both pictures into debris; a plain dissolve reads better there. The test: warping
        the first frame by the backward flow must remove 70% of the difference from the
        last frame (measured small, on grey)."""
        w, h = self._small
        small = [np.asarray(cv2.resize(f, self._small, interpolation=cv2.INTER_AREA), np.uint8)
                 for f in (self.first, self.last)]  # fmt: skip
        first, last = grey(small[0]), grey(small[1])
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        back = self._bwd.reshape(h, w, 2)
        warped = cv2.remap(first, gx + back[..., 0], gy + back[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        direct = float(np.mean(np.abs(first.astype(np.float32) - last)))
        residual = float(np.mean(np.abs(warped.astype(np.float32) - last)))
        return direct < 2.0 or residual <= 0.3 * direct

    def dissolve(self, t: float) -> RGB:
        if t <= 0:
            return self.first
        if t >= 1:
            return self.last
        return np.asarray(cv2.addWeighted(self.first, 1 - t, self.last, t, 0), dtype=np.uint8)

    def frame(self, t: float) -> RGB:
        if t <= 0:
            return self.first
        if t >= 1:
            return self.last
        small0, small1, small_share = self._project(t)
        share0 = cv2.resize(small_share, self._size, interpolation=cv2.INTER_LINEAR)
        warped0 = cv2.remap(
            self.first,
            _grow(small0, self._size) + self._grid,
            _NO_MAP2,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        warped1 = cv2.remap(
            self.last,
            _grow(small1, self._size) + self._grid,
            _NO_MAP2,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        blended = cv2.blendLinear(warped0, warped1, share0, 1 - share0)
        return np.asarray(blended, dtype=np.uint8)


def _consistent(
    there: NDArray[np.float32], back: NDArray[np.float32], size: tuple[int, int]
) -> NDArray[np.bool_]:
    """Forward-backward check: following a pixel's flow and then the other flow back should
    return near where it started. Pixels that do not (occluded, or guessed in flat areas) are
    not projected, so they cannot drag the wrong keyframe's content into place."""
    w, h = size
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    where = np.dstack([gx + there[:, 0].reshape(h, w), gy + there[:, 1].reshape(h, w)])
    returned = cv2.remap(
        back.reshape(h, w, 2), where, _NO_MAP2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    error = np.hypot(*(there.reshape(h, w, 2) + returned).transpose(2, 0, 1))
    allowed = np.maximum(1.5, 0.1 * np.hypot(there[:, 0], there[:, 1]).reshape(h, w))
    return np.asarray(error <= allowed).ravel()


def _fill(flow: Flow, known: NDArray[np.bool_], fallback: Flow) -> Flow:
    """Holes take the average of known neighbours (growing windows), else the fallback."""
    if known.all():
        return flow
    weight = known.astype(np.float32)
    result = flow.copy()
    missing = ~known
    for size in (3, 7, 15):
        total = cv2.blur(flow * weight[..., None], (size, size))
        count = cv2.blur(weight, (size, size))
        usable = missing & (count > 1e-6)
        result[usable] = total[usable] / count[usable][:, None]
        missing &= ~usable
        if not missing.any():
            return result
    result[missing] = fallback[missing]
    return result
