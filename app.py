"""Contested Map. ``streamlit run app.py`` serves it; each browser session runs the page.

Imported by ``streamlit run``, this file is the server: Streamlit with the sign-in routes and
gate of :mod:`geo.web.server` (``st.App``). Run as a session's script, it draws the page of
:mod:`geo.web.page`.
"""

from __future__ import annotations

import streamlit as st

from geo.web import server

if __name__ == "__main__":
    from geo.web.page import main

    main()
else:
    app = st.App(__file__, routes=server.routes(), middleware=server.middleware())
