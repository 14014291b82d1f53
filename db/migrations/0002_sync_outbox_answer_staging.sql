CREATE TABLE `sync_staging` (
	`name` text NOT NULL,
	`seq` integer NOT NULL,
	`items` text NOT NULL,
	PRIMARY KEY(`name`, `seq`)
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `answer` text;--> statement-breakpoint
CREATE INDEX `outbox_order` ON `outbox` (`order_key`,`id`);--> statement-breakpoint
ALTER TABLE `outbox_results` ADD `resolution` text;--> statement-breakpoint
ALTER TABLE `policies` ADD `retired_at` text;