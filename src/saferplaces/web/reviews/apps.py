from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "saferplaces.web.reviews"
    label = "reviews"
