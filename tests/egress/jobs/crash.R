# A crash in R with data in the message: stop() quoting a row.
d <- read.csv("/data/patients.csv", colClasses = "character")
stop(paste("cannot use row", paste(d[10, ], collapse = ",")))
