"""The partnership workspace: a Django web application over the same services as its JSON API."""
