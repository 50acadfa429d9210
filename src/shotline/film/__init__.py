"""From generated clips and recorded lines to a finished film: the narration master track, the
timing it dictates, the final cut (timeline + MP4) and the storyboard sheet.

Independent of how the clips were made; the orchestration lives in ``film.pipeline``.
"""
