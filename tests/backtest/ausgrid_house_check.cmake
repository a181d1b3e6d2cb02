# Runs scripts/ausgrid-house on the Ausgrid trace in tests/data/household and compares its
# output with the committed slice tests/data/house_ausgrid12_2023-01-09_22.csv.
execute_process(
  COMMAND ${PYTHON} ${SCRIPT}
    ${DATA}/household/ausgrid_solarhome_customer12_2011-07_2012-06_30min_kW.csv ${OUT}
    --from 2023-01-09 --to 2023-01-22
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scripts/ausgrid-house failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}
  ${DATA}/house_ausgrid12_2023-01-09_22.csv RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "scripts/ausgrid-house no longer writes tests/data/house_ausgrid12_2023-01-09_22.csv")
endif()
