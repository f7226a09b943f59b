from django.http import Http404


def profile(request):
    raise Http404


def tokens(request):
    raise Http404
