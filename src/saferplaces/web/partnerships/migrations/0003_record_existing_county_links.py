# ruff: noqa: RUF012 - Django migrations declare dependencies and operations as class-level lists.
"""Records every county link that existed before links needed the county's acceptance.

Those links were set on the partnership form; they are kept (so districts still read their
county-wide priorities) and recorded as accepted with nobody named as requester or decider.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Partnership = apps.get_model("partnerships", "Partnership")
    CountyLinkRequest = apps.get_model("partnerships", "CountyLinkRequest")
    for p in Partnership.objects.exclude(county=None):
        CountyLinkRequest.objects.create(
            district_id=p.pk, county_id=p.county_id, status="accepted", decided_at=p.created_at
        )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0002_county_links_invitations_protect_people")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
