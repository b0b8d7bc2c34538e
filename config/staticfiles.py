"""Static-file finders of the project."""

from django.contrib.staticfiles import finders


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    """The apps' ``static/`` folders without the ``node_modules`` copies that
    viewflow ships.

    viewflow's wheel carries copies of npm packages under ``…/node_modules/``
    (``roboto-fontface``, ``material-icons``) whose stylesheets point at font files
    the wheel does not contain. Nothing of the site loads them (viewflow's templates
    use ``viewflow/fonts/roboto/roboto-fontface.css`` beside the fonts), but the
    manifest storage of production post-processes every stylesheet that
    ``collectstatic`` finds and stops at the first missing reference, leaving no
    manifest at all: every page then answers 500. Leaving the folders out keeps the
    package unpatched and the manifest storage strict for everything served.
    """

    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), "node_modules"])
