CREATE TABLE `stack_components` (
	`component` text PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`image` text,
	`host_index` integer NOT NULL,
	`restart_policy` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stack_components_host_index_unique` ON `stack_components` (`host_index`);--> statement-breakpoint
CREATE TABLE `stack_network` (
	`id` integer PRIMARY KEY NOT NULL,
	`subnet` text NOT NULL,
	`updated_at` integer NOT NULL
);
