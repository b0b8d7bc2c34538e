"""``{% unit_start_actions unit as actions %}``: the flows the person may start
for ``unit`` (the "create" buttons of a unit's page). The org chart's templates
ask through this tag, so the org chart itself never imports the flows."""

from django import template

from workflows.work import start_actions

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_start_actions(context, unit):
    request = context.get("request")
    if request is None:
        return []
    return start_actions(user=request.user, unit=unit)
