# The oncall tables moved here from the notifications app with their names: the model state only (decision 0061).

import datetime
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('notifications', '0004_sealed_credentials'),
        ('accounts', '0004_api_tables_move_to_the_api_app'),
        ('tickets', '0008_sla'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OnCallSchedule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('time_zone', models.CharField(default='Asia/Shanghai', max_length=64, verbose_name='time zone')),
                        ('rotation_days', models.PositiveSmallIntegerField(default=7, help_text='How long each person stays on call: 1 for daily, 7 for weekly.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(366)], verbose_name='rotation length (days)')),
                        ('handoff_time', models.TimeField(default=datetime.time(9, 0), verbose_name='handoff time')),
                        ('start_date', models.DateField(verbose_name='start date')),
                        ('repeat_interval_minutes', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1440)], verbose_name='repeat every (minutes)')),
                        ('escalate_after_repeats', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='page the backup after (repeats)')),
                        ('max_repeats', models.PositiveSmallIntegerField(default=36, help_text='Repeats stop after this many unanswered pages (36 × 5 minutes = 3 hours).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='stop repeating after')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('team', models.ForeignKey(blank=True, help_text='Leave empty for the global schedule, used when a team has none.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='oncall_schedules', to='accounts.team', verbose_name='team')),
                    ],
                    options={
                        'verbose_name': 'on-call schedule',
                        'verbose_name_plural': 'on-call schedules',
                        'db_table': 'notifications_oncallschedule',
                        'ordering': ['name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='OnCallParticipant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('layer', models.PositiveSmallIntegerField(choices=[(1, 'Primary'), (2, 'Backup')], default=1, verbose_name='layer')),
                        ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('schedule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='oncall.oncallschedule')),
                    ],
                    options={
                        'db_table': 'notifications_oncallparticipant',
                        'ordering': ['schedule', 'layer', 'position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='OnCallOverride',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField(verbose_name='starts')),
                        ('ends_at', models.DateTimeField(verbose_name='ends')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('schedule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='overrides', to='oncall.oncallschedule')),
                    ],
                    options={
                        'verbose_name': 'on-call override',
                        'verbose_name_plural': 'on-call overrides',
                        'db_table': 'notifications_oncalloverride',
                        'ordering': ['starts_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Page',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(max_length=300, verbose_name='reason')),
                        ('state', models.CharField(choices=[('open', 'Waiting for acknowledgement'), ('acknowledged', 'Acknowledged'), ('expired', 'Stopped without acknowledgement')], default='open', max_length=15, verbose_name='state')),
                        ('layer', models.PositiveSmallIntegerField(default=1)),
                        ('repeat_count', models.PositiveIntegerField(default=0, verbose_name='repeats')),
                        ('next_repeat_at', models.DateTimeField(blank=True, null=True, verbose_name='next repeat')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='paged')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged')),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('schedule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='pages', to='oncall.oncallschedule')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pages', to='tickets.ticket')),
                    ],
                    options={
                        'verbose_name': 'page',
                        'verbose_name_plural': 'pages',
                        'db_table': 'notifications_page',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='PageRecipient',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('layer', models.PositiveSmallIntegerField(default=1)),
                        ('first_paged_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='page_recipients', to='oncall.page')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'notifications_pagerecipient',
                    },
                ),
                migrations.AddField(
                    model_name='page',
                    name='recipients',
                    field=models.ManyToManyField(related_name='pages_received', through='oncall.PageRecipient', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddConstraint(
                    model_name='oncallschedule',
                    constraint=models.UniqueConstraint(fields=('name',), name='notifications_schedule_name_unique'),
                ),
                migrations.AddConstraint(
                    model_name='oncallschedule',
                    constraint=models.CheckConstraint(condition=models.Q(('rotation_days__gte', 1)), name='notifications_schedule_rotation_positive'),
                ),
                migrations.AddConstraint(
                    model_name='oncallschedule',
                    constraint=models.CheckConstraint(condition=models.Q(('repeat_interval_minutes__gte', 1)), name='notifications_schedule_repeat_positive'),
                ),
                migrations.AddConstraint(
                    model_name='oncallparticipant',
                    constraint=models.UniqueConstraint(fields=('schedule', 'layer', 'user'), name='notifications_participant_unique'),
                ),
                migrations.AddIndex(
                    model_name='oncalloverride',
                    index=models.Index(fields=['schedule', 'ends_at'], name='oncall_override_idx'),
                ),
                migrations.AddConstraint(
                    model_name='oncalloverride',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='notifications_override_ordered'),
                ),
                migrations.AddIndex(
                    model_name='pagerecipient',
                    index=models.Index(fields=['user', '-page'], name='page_recipient_user_idx'),
                ),
                migrations.AddConstraint(
                    model_name='pagerecipient',
                    constraint=models.UniqueConstraint(fields=('page', 'user'), name='notifications_page_recipient'),
                ),
                migrations.AddIndex(
                    model_name='page',
                    index=models.Index(condition=models.Q(('state', 'open')), fields=['next_repeat_at'], name='page_repeat_due_idx'),
                ),
                migrations.AddConstraint(
                    model_name='page',
                    constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('ticket',), name='notifications_one_open_page'),
                ),
    
            ],
        ),
    ]
