from django.http import Http404


def ticket_new(request):
    raise Http404


def category_fields(request):
    raise Http404
