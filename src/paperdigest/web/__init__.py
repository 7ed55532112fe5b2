"""Read the archive elsewhere: static site, live server, feeds (the ``[web]`` extra).

Nothing here is imported by the core. :mod:`.data` (archive queries) and :mod:`.links`
(safe outbound links) need only the standard library and are shared with
:mod:`paperdigest.delivery`; :mod:`.render`, :mod:`.site`, :mod:`.feeds` and :mod:`.app` need
``pip install 'paperdigest[web]'`` (jinja2, feedgen, starlette, uvicorn).
"""
