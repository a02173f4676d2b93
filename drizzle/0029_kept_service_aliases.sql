CREATE TABLE `kept_service_aliases` (
	`instance_id` text NOT NULL,
	`name` text NOT NULL,
	`peer_ids` text NOT NULL,
	`group_ids` text NOT NULL,
	`applied` text NOT NULL,
	`removing` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `name`)
);
