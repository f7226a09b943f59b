# The outbox tables moved here from the notifications app with their names: the model state only (decision 0061).

import django.db.models.deletion
import django.utils.timezone
import gongdan.core.sealed
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('notifications', '0004_sealed_credentials'),
        ('tickets', '0008_sla'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AllowedNetwork',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.CharField(max_length=255, unique=True, verbose_name='host or network')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'verbose_name': 'allowed host or network',
                        'verbose_name_plural': 'allowed hosts and networks',
                        'db_table': 'notifications_allowednetwork',
                        'ordering': ['value'],
                    },
                ),
                migrations.CreateModel(
                    name='ChatBot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('kind', models.CharField(choices=[('dingtalk', 'DingTalk custom robot'), ('feishu', 'Feishu / Lark custom bot'), ('wecom', 'WeCom group robot'), ('slack', 'Slack incoming webhook')], max_length=20, verbose_name='service')),
                        ('url', gongdan.core.sealed.SealedURLField(max_length=500, verbose_name='webhook URL')),
                        ('secret', gongdan.core.sealed.SealedCharField(blank=True, max_length=200, verbose_name='signing secret')),
                        ('language', models.CharField(default='zh-hans', max_length=10, verbose_name='language')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('recent_sends', models.JSONField(blank=True, default=list)),
                        ('disabled_reason', models.CharField(blank=True, max_length=300, verbose_name='disabled because')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'verbose_name': 'chat bot',
                        'verbose_name_plural': 'chat bots',
                        'db_table': 'notifications_chatbot',
                        'ordering': ['name', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('name',), name='notifications_chatbot_name_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Webhook',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('url', models.URLField(max_length=500, verbose_name='URL')),
                        ('secret', gongdan.core.sealed.SealedCharField(max_length=100, verbose_name='signing secret')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'verbose_name': 'webhook',
                        'verbose_name_plural': 'webhooks',
                        'db_table': 'notifications_webhook',
                        'ordering': ['name', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('name',), name='notifications_webhook_name_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='OutboxMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('chat', 'Chat bot'), ('webhook', 'Webhook')], default='email', max_length=20, verbose_name='channel')),
                        ('kind', models.CharField(blank=True, max_length=60, verbose_name='kind')),
                        ('address', models.CharField(max_length=320, verbose_name='address')),
                        ('subject', models.CharField(max_length=300, verbose_name='subject')),
                        ('body_text', models.TextField(blank=True)),
                        ('body_html', models.TextField(blank=True)),
                        ('headers', models.JSONField(blank=True, default=dict)),
                        ('idempotency_key', models.CharField(max_length=200, unique=True)),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed, will retry'), ('dead', 'Dead, gave up')], default='pending', max_length=10, verbose_name='state')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt')),
                        ('claimed_until', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('chat_bot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='outbox.chatbot')),
                        ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('ticket', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.ticket')),
                        ('webhook', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='outbox.webhook')),
                    ],
                    options={
                        'verbose_name': 'outbox message',
                        'verbose_name_plural': 'outbox messages',
                        'db_table': 'notifications_outboxmessage',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='DeliveryAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('attempt', models.PositiveIntegerField(verbose_name='attempt')),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                        ('duration_ms', models.PositiveIntegerField(default=0, verbose_name='duration (ms)')),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='status code')),
                        ('response_excerpt', models.CharField(blank=True, max_length=500, verbose_name='response')),
                        ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                        ('succeeded', models.BooleanField(default=False)),
                        ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='http_attempts', to='outbox.outboxmessage')),
                    ],
                    options={
                        'verbose_name': 'delivery attempt',
                        'verbose_name_plural': 'delivery attempts',
                        'db_table': 'notifications_deliveryattempt',
                        'ordering': ['-id'],
                        'indexes': [models.Index(fields=['message', '-id'], name='delivery_attempt_msg_idx')],
                    },
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(condition=models.Q(('state__in', ['pending', 'failed'])), fields=['next_attempt_at'], name='outbox_due_idx'),
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(condition=models.Q(('state', 'sending')), fields=['claimed_until'], name='outbox_lease_idx'),
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(fields=['state', '-created_at', '-id'], name='outbox_state_idx'),
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(fields=['-created_at', '-id'], name='outbox_created_idx'),
                ),
                migrations.AddConstraint(
                    model_name='outboxmessage',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'sending', 'sent', 'failed', 'dead'])), name='notifications_outbox_state_valid'),
                ),
    
            ],
        ),
    ]
