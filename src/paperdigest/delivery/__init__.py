"""Send a day's report: email over SMTP (:mod:`.email`) and chat webhooks (:mod:`.webhooks`).

:mod:`.settings` is the ``[delivery]`` config section (imported by the core's config, so it
needs only pydantic); the senders load on use.
"""
