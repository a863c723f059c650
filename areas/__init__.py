"""The area pages: a dashboard per province, gemeente, wijk and buurt, and their table exports.

A top-layer module (docs/architecture.md): the pages read `places`, `initiatives` and `impact`,
so they live above all three. No models, so not an installed app; `config/urls.py` includes
`areas.urls`, the templates are in templates/areas/.
"""
