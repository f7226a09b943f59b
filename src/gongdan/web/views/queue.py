from django.http import Http404


def queue(request):
    raise Http404


def bulk_action(request):
    raise Http404
