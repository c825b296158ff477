-- A task's page reads its history: the events of kind task.* that name it. Without an index
-- that read went through the whole log, once per page view.
CREATE INDEX events_task ON events ((CAST(CAST(payload AS jsonb) #>> '{task_id}' AS BIGINT)), seq)
    WHERE kind LIKE 'task.%';
