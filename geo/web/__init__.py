"""Web: the Streamlit parts of the page that ``app.py`` puts together.

The sign-in gate, filters, messages that stay until dismissed, the import form's report and the
side panel of quotes. Only this stage and ``app.py`` import Streamlit.
"""
