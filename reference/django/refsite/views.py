"""The tutorial's protected view; the token views are simplejwt's own (urls.py)."""
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class ProtectedView(APIView):
    # authenticated by REST_FRAMEWORK's default class (settings: DRF_AUTH_CLASS)
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({'content': 'This view is protected'})
