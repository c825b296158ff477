-- Advisor outcomes were recorded for every member but guests, with what accepting created
-- written whole (a message with its text, a huddle with its title), and the suggestion with its
-- thread's title: a suggestion about a thread of a private channel or a direct conversation
-- told the whole workspace what was said there. Its events are now read where its thread is,
-- and name what was created by id.
UPDATE events SET payload = json_set(payload, '$.created', json_object(
        'huddle_id', json_extract(payload, '$.created.huddle.id'),
        'message_id', json_extract(payload, '$.created.message.id'),
        'booked', json(payload -> '$.created.booked')))
    WHERE kind = 'advisor.accepted' AND json_type(payload, '$.created.huddle') = 'object';
UPDATE events SET payload = json_set(payload, '$.created', json_object(
        'dm_id', json_extract(payload, '$.created.dm.id'),
        'message_id', json_extract(payload, '$.created.message.id')))
    WHERE kind = 'advisor.accepted' AND json_type(payload, '$.created.dm') = 'object';
UPDATE events SET payload = json_set(payload, '$.created', json_object(
        'message_id', json_extract(payload, '$.created.message.id')))
    WHERE kind = 'advisor.accepted' AND json_type(payload, '$.created.message') = 'object';
UPDATE events SET
        scope_channel = (SELECT channel_id FROM threads WHERE id = json_extract(events.payload, '$.suggestion.thread_id')),
        scope_dm = (SELECT dm_id FROM threads WHERE id = json_extract(events.payload, '$.suggestion.thread_id')),
        scope_internal = 0
    WHERE kind IN ('advisor.accepted', 'advisor.dismissed') AND scope_internal = 1
      AND EXISTS (SELECT 1 FROM threads t WHERE t.id = json_extract(events.payload, '$.suggestion.thread_id')
                  AND (t.channel_id IS NOT NULL OR t.dm_id IS NOT NULL));
