"""dreamstyle studio: a local web page that makes pictures with the Python API, live.

An edge like the CLI: :mod:`.workspace` holds the files it may read and write,
:mod:`.jobs` the queue that runs one job at a time, :mod:`.work` what each kind
of job asks of the Python API, :mod:`.requests` turns the page's requests into
jobs, and :mod:`.app` serves the page (``static/``) and its JSON API.
"""

from __future__ import annotations

from .app import Studio, create_app

__all__ = ["Studio", "create_app"]
