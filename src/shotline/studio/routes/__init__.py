"""One module per area, each exposing ``router``; ``studio.app`` includes them."""
