-- A task's page reads its history: the events of kind task.* that name it. Without an index
-- that read went through the whole log, once per page view.
CREATE INDEX events_task ON events (json_extract(payload, '$.task_id'), seq) WHERE kind LIKE 'task.%';
