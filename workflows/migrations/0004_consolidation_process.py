from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0003_staffing_processes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsolidationProcess',
            fields=[
            ],
            options={
                'verbose_name': 'unit consolidation process',
                'verbose_name_plural': 'unit consolidation processes',
                'proxy': True,
                'default_permissions': ('add', 'change', 'delete', 'view', 'manage'),
                'indexes': [],
                'constraints': [],
            },
            bases=('viewflow.process',),
        ),
    ]
