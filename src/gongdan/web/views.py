from django.http import HttpResponse


def queue(request):
    return HttpResponse("")


def login(request):
    return HttpResponse("")
