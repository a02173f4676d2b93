CREATE TABLE `metrics_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`token_hash` text,
	`created_at` integer
);
