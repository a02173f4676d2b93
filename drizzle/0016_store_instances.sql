CREATE TABLE `store_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`manifest_id` text NOT NULL,
	`version` text NOT NULL,
	`image` text NOT NULL,
	`manifest` text NOT NULL,
	`answers` text NOT NULL,
	`sealed` text NOT NULL,
	`host_index` integer NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `store_instances_host_index` ON `store_instances` (`host_index`);--> statement-breakpoint
CREATE TABLE `store_operations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`instance_id` text NOT NULL,
	`state` text NOT NULL,
	`steps` text NOT NULL,
	`error` text,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
ALTER TABLE `routes` ADD `service` text;