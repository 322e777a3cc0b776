# Patients by age band and sex: a table with large cells only, which the
# disclosure check passes and trex releases as is.
import pandas as pd

REF_YEAR = 2023  # ages on 1 January 2024, the end of the extract's window

patients = pd.read_csv("/data/patients.csv", usecols=["birth_year", "sex"])
age = REF_YEAR - patients["birth_year"]
bands = pd.cut(age, bins=[0, 18, 40, 60, 75, 200], right=False,
               labels=["0-17", "18-39", "40-59", "60-74", "75+"])
sex = patients["sex"].map({1: "M", 2: "F"})

# long format: one row per cell, dimension columns then the count
table = pd.crosstab(bands, sex).stack().rename("n").reset_index()
table.columns = ["age_band", "sex", "n"]
table.to_csv("/output/age_sex.csv", index=False)
print(f"{len(table)} cells written")
