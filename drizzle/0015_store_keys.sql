CREATE TABLE `store_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`pem` text NOT NULL,
	`fingerprint` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `store_keys_fingerprint` ON `store_keys` (`fingerprint`);--> statement-breakpoint
CREATE UNIQUE INDEX `store_keys_name` ON `store_keys` (`name`);