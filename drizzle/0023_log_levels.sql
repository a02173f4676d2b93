CREATE TABLE `log_levels` (
	`target` text PRIMARY KEY NOT NULL,
	`level` text NOT NULL
);
