"""``{% unread_notifications as count %}``: the person's unread notifications,
for the header of every page (one query, none for an anonymous visitor)."""

from django import template

from appraisal.selectors.notifications import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return notification_unread_count(user=request.user)
