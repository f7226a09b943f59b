from django.http import Http404


def ticket_detail(request, number):
    raise Http404


def attachment_download(request, attachment_id):
    raise Http404
