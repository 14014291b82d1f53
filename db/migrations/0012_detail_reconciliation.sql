CREATE TABLE `reconciliation_details` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`day` text NOT NULL,
	`msgid` text,
	`upload_file_qury_no` text,
	`result_file_qury_no` text,
	`sent_count` integer NOT NULL,
	`matched` integer DEFAULT 0 NOT NULL,
	`differences` text DEFAULT '[]' NOT NULL,
	`error` text,
	`trigger` text NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reconciliation_details_day` ON `reconciliation_details` (`day`);--> statement-breakpoint
CREATE TABLE `reconciliation_resolutions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`detail_id` integer NOT NULL,
	`setl_id` text NOT NULL,
	`action` text NOT NULL,
	`msgid` text,
	`omsgid` text,
	`outcome` text,
	`err_msg` text,
	`note` text,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`detail_id`) REFERENCES `reconciliation_details`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reconciliation_resolutions_detail` ON `reconciliation_resolutions` (`detail_id`);