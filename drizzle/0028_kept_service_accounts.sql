CREATE TABLE `kept_service_accounts` (
	`instance_id` text NOT NULL,
	`peer_id` integer,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`password_shown_at` integer,
	`applied` text,
	PRIMARY KEY(`instance_id`, `username`),
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE set null
);
