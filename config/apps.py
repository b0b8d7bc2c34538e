"""Application configurations of the project itself."""

from django.contrib.staticfiles.apps import StaticFilesConfig


class ProjectStaticFilesConfig(StaticFilesConfig):
    """``collectstatic`` without the ``node_modules`` folders that viewflow ships.

    viewflow's wheel carries copies of npm packages under ``…/node_modules/``
    (``roboto-fontface``, ``material-icons``) whose stylesheets point at font files
    the wheel does not contain. Nothing of the site loads them (viewflow's templates
    use ``viewflow/fonts/roboto/roboto-fontface.css`` beside the fonts), but the
    manifest storage of production post-processes every stylesheet it collects and
    stops at the first missing reference, leaving no manifest at all: every page
    then answers 500. Ignoring the folders keeps the package unpatched and the
    manifest storage strict for everything that is served.
    """

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
