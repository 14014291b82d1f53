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
CREATE INDEX `reconciliation_details_day` ON `reconciliation_details` (`day`);