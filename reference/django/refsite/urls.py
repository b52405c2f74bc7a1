"""The tutorial's URLs, plus the blacklist and sliding-token views tokenpair also serves."""
from django.contrib import admin
from django.urls import path
from rest_framework_simplejwt import views as jwt

from .views import ProtectedView

urlpatterns = [
    path('admin/', admin.site.urls),
    path('api/token/', jwt.TokenObtainPairView.as_view()),
    path('api/token/refresh/', jwt.TokenRefreshView.as_view()),
    path('api/token/verify/', jwt.TokenVerifyView.as_view()),
    path('api/token/blacklist/', jwt.TokenBlacklistView.as_view()),
    path('api/token/sliding/', jwt.TokenObtainSlidingView.as_view()),
    path('api/token/sliding/refresh/', jwt.TokenRefreshSlidingView.as_view()),
    path('protected/', ProtectedView.as_view()),
]
