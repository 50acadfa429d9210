"""``python -m shotline.studio.openapi``: print the API's description (``web/openapi.json``,
from which ``npm run gen:api`` writes the web client's types)."""

import json

from shotline.studio.app import openapi_schema

if __name__ == "__main__":
    print(json.dumps(openapi_schema(), indent=1, sort_keys=True))
