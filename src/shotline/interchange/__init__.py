"""Editorial interchange with other editors (NLEs) through OpenTimelineIO.

``.otio`` round-trips exactly; EDL, FCP7 XML and FCPXML carry positions, durations, trims and
media paths in whole frames of one rate.
"""

from shotline.interchange.conform import conform
from shotline.interchange.errors import InterchangeError
from shotline.interchange.export import export_timeline
from shotline.interchange.formats import ADAPTERS, SUFFIXES
from shotline.interchange.from_otio import from_otio
from shotline.interchange.importer import import_timeline
from shotline.interchange.timing import timeline_rate
from shotline.interchange.to_otio import to_otio

__all__ = [
    "ADAPTERS",
    "SUFFIXES",
    "InterchangeError",
    "conform",
    "export_timeline",
    "from_otio",
    "import_timeline",
    "timeline_rate",
    "to_otio",
]
