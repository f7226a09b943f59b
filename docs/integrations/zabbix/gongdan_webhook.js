// Gongdan webhook media type for Zabbix 6.0+ (runs in Zabbix's Duktape engine, ES5).
// One POST per event to Gongdan's /api/v1/integrations/<slug>/zabbix with the integration's secret.
// Gongdan keeps one ticket per problem event id; the answer's ticket number is stored as an event tag.
var Gongdan = {
    isSet: function (value) {
        // Zabbix leaves an unresolved macro as its own text ({EVENT.TAGS.x}) or *UNKNOWN*.
        return typeof value === 'string' && value.trim() !== '' && value !== '*UNKNOWN*'
            && !/^\{[A-Z0-9_.$]+\}$/.test(value.trim());
    },

    text: function (value) {
        return Gongdan.isSet(value) ? value : '';
    },

    tags: function (json) {
        if (!Gongdan.isSet(json)) {
            return [];
        }
        try {
            var parsed = JSON.parse(json);
            return Array.isArray(parsed) ? parsed : [];
        }
        catch (error) {
            return [];
        }
    },

    send: function (params) {
        var kind = params.event_update_status === '1' ? 'update'
            : (params.event_value === '1' ? 'problem' : 'recovery');
        var body = {
            source: 'zabbix',
            kind: kind,
            event_id: params.event_id,
            recovery_event_id: Gongdan.text(params.event_recovery_id),
            event_value: params.event_value,
            severity: Gongdan.text(params.event_severity),
            nseverity: Gongdan.text(params.event_nseverity),
            subject: Gongdan.text(params.alert_subject),
            message: Gongdan.text(params.alert_message),
            host: Gongdan.text(params.host_name),
            trigger_id: Gongdan.text(params.trigger_id),
            event_time: Gongdan.text(params.event_time),
            tags: Gongdan.tags(params.event_tags_json),
            url: Gongdan.isSet(params.zabbix_url) && Gongdan.isSet(params.trigger_id)
                ? params.zabbix_url.replace(/\/+$/, '') + '/tr_events.php?triggerid=' + params.trigger_id
                    + '&eventid=' + params.event_id
                : ''
        };
        var request = new HttpRequest();
        if (Gongdan.isSet(params.http_proxy)) {
            request.setProxy(params.http_proxy);
        }
        request.addHeader('Content-Type: application/json');
        request.addHeader('Authorization: Bearer ' + params.gongdan_secret);
        Zabbix.log(4, '[Gongdan webhook] ' + kind + ' event ' + params.event_id);
        var response = request.post(params.gongdan_url, JSON.stringify(body));
        var status = request.getStatus();
        if (status !== 200) {
            throw 'Gongdan answered HTTP ' + status + ': ' + response;
        }
        return JSON.parse(response);
    }
};

try {
    var params = JSON.parse(value);
    if (!Gongdan.isSet(params.gongdan_url) || !Gongdan.isSet(params.gongdan_secret)) {
        throw 'Set the gongdan_url and gongdan_secret parameters of the media type.';
    }
    if (!Gongdan.isSet(params.event_id)) {
        throw 'The event_id parameter must be {EVENT.ID}.';
    }
    var answer = Gongdan.send(params);
    var result = {tags: {}};
    if (answer.id) {
        result.tags.__zbx_gongdan_ticket = answer.id;
        result.tags.__zbx_gongdan_url = answer.url;
    }
    return JSON.stringify(result);
}
catch (error) {
    Zabbix.log(3, '[Gongdan webhook] failed: ' + error);
    throw 'Sending to Gongdan failed: ' + error;
}
