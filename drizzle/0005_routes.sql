CREATE TABLE `proxy_routes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`upstream` text NOT NULL,
	`access` text NOT NULL,
	`headers` text NOT NULL,
	`websocket` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `proxy_routes_host_path` ON `proxy_routes` (`host`,`path`);--> statement-breakpoint
CREATE TABLE `proxy_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`log_level` text NOT NULL,
	`acme_email` text,
	`updated_at` integer NOT NULL
);
