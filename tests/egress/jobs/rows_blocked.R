# Raw rows as dimension labels with small counts (2: every cell
# suppressed, or the table blocked), plus undeclared files named after
# identifiers.
d <- read.csv("/data/patients.csv", colClasses = "character")
lab <- apply(d, 1, paste, collapse = " ")
write.csv(data.frame(label = lab, n = 2), "/output/rows.csv", row.names = FALSE, quote = TRUE)
for (i in 1:50) file.create(file.path("/output", d$patient_id[i]))
