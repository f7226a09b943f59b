from django.http import Http404


def login_view(request):
    raise Http404


def logout_view(request):
    raise Http404


def set_language(request):
    raise Http404
